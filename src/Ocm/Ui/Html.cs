using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace Ocm.Ui;

/// <summary>
/// A piece of HTML that is safe to emit as is. The only ways to make one are <see cref="Of"/>, whose interpolation
/// holes are HTML-encoded unless they are <see cref="Html"/> themselves, and <see cref="Raw"/> for constant markup;
/// so a user's file name, a peer's error message or a display name can never become markup.
/// </summary>
internal readonly struct Html
{
    /// <summary>Encodes for element content and quoted attribute values; non-ASCII text stays readable.</summary>
    internal static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private readonly string? _value;

    private Html(string value) => _value = value;

    public static Html Empty => default;

    public string Value => _value ?? "";

    public bool IsEmpty => string.IsNullOrEmpty(_value);

    /// <summary>Markup from an interpolated string: <c>Html.Of($"&lt;td&gt;{name}&lt;/td&gt;")</c> encodes <c>name</c>.</summary>
    public static Html Of(ref HtmlInterpolation html) => new(html.ToStringAndClear());

    /// <summary>Constant markup written in the source. Never pass data to this.</summary>
    public static Html Raw(string markup) => new(markup);

    public static Html Join(IEnumerable<Html> parts)
    {
        var builder = new StringBuilder();
        foreach (var part in parts)
        {
            builder.Append(part.Value);
        }

        return new Html(builder.ToString());
    }

    /// <summary><paramref name="then"/> when the condition holds, else nothing.</summary>
    public static Html If(bool condition, Html then) => condition ? then : Empty;

    public static string Encode(string? text) => Encoder.Encode(text ?? "");

    public override string ToString() => Value;
}

/// <summary>The interpolated-string handler behind <see cref="Html.Of"/>: literals are markup, holes are text.</summary>
[InterpolatedStringHandler]
internal ref struct HtmlInterpolation
{
    private DefaultInterpolatedStringHandler _inner;

    public HtmlInterpolation(int literalLength, int formattedCount)
    {
        _inner = new DefaultInterpolatedStringHandler(literalLength + (formattedCount * 16), formattedCount, CultureInfo.InvariantCulture);
    }

    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    public void AppendFormatted(Html value) => _inner.AppendLiteral(value.Value);

    public void AppendFormatted(string? value) => _inner.AppendLiteral(Html.Encode(value));

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format)
    {
        // A list of fragments binds here (T = List<Html>), not to an IEnumerable overload: emit it as markup.
        if (value is IEnumerable<Html> fragments)
        {
            foreach (var fragment in fragments)
            {
                _inner.AppendLiteral(fragment.Value);
            }

            return;
        }

        var text = value switch
        {
            null => "",
            IFormattable formattable => formattable.ToString(format, CultureInfo.InvariantCulture),
            _ => value.ToString(),
        };
        _inner.AppendLiteral(Html.Encode(text));
    }

    public string ToStringAndClear() => _inner.ToStringAndClear();
}
