using System.Text;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>
/// A covered component (RFC 9421 §2): a derived component such as <c>"@method"</c> or a lowercase field name such as
/// <c>"content-digest"</c>, with optional parameters <c>sf</c>, <c>key</c>, <c>bs</c>, <c>tr</c>, <c>req</c> and
/// <c>name</c>. Its canonical serialization (an sf-string with parameters) is what appears in
/// <c>Signature-Input</c> and at the start of each signature-base line.
/// </summary>
public sealed class ComponentIdentifier : IEquatable<ComponentIdentifier>
{
    /// <summary><c>"@method"</c> (§2.2.1).</summary>
    public static readonly ComponentIdentifier Method = new("@method");

    /// <summary><c>"@target-uri"</c> (§2.2.2).</summary>
    public static readonly ComponentIdentifier TargetUri = new("@target-uri");

    /// <summary><c>"@authority"</c> (§2.2.3).</summary>
    public static readonly ComponentIdentifier Authority = new("@authority");

    /// <summary><c>"@scheme"</c> (§2.2.4).</summary>
    public static readonly ComponentIdentifier Scheme = new("@scheme");

    /// <summary><c>"@request-target"</c> (§2.2.5).</summary>
    public static readonly ComponentIdentifier RequestTarget = new("@request-target");

    /// <summary><c>"@path"</c> (§2.2.6).</summary>
    public static readonly ComponentIdentifier Path = new("@path");

    /// <summary><c>"@query"</c> (§2.2.7).</summary>
    public static readonly ComponentIdentifier Query = new("@query");

    /// <summary><c>"@status"</c> (§2.2.9).</summary>
    public static readonly ComponentIdentifier Status = new("@status");

    /// <summary><c>"content-digest"</c> (RFC 9530).</summary>
    public static readonly ComponentIdentifier ContentDigest = new("content-digest");

    /// <summary><c>"content-length"</c>.</summary>
    public static readonly ComponentIdentifier ContentLength = new("content-length");

    private readonly SfParameters _parameters;
    private string? _serialized;

    /// <summary>Creates an identifier from a component name (lowercase) and optional parameters.</summary>
    /// <exception cref="HttpSignatureException">The name is empty or not lowercase printable ASCII.</exception>
    public ComponentIdentifier(string name, SfParameters? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new HttpSignatureException(SignatureFailure.InvalidComponent, "A component name must not be empty.");
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~' or (>= 'A' and <= 'Z') or '"' or '\\')
            {
                throw new HttpSignatureException(
                    SignatureFailure.InvalidComponent,
                    $"Component name '{name}' must be lowercase (RFC 9421 §2.1) and contain no spaces or quotes.");
            }
        }

        Name = name;
        _parameters = parameters?.Clone() ?? new SfParameters();
    }

    /// <summary>The component name, e.g. <c>@method</c> or <c>content-digest</c>.</summary>
    public string Name { get; }

    /// <summary>The parameters in order.</summary>
    public IReadOnlyList<KeyValuePair<string, SfBareItem>> Parameters => _parameters;

    /// <summary>True for a derived component (name starting with <c>@</c>).</summary>
    public bool IsDerived => Name[0] == '@';

    /// <summary>True when the <c>req</c> parameter is set: the value comes from the related request (§2.4).</summary>
    public bool IsFromRequest => _parameters.ContainsKey("req");

    /// <summary>Creates a header-field component; the name is lowercased.</summary>
    public static ComponentIdentifier Field(string fieldName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldName);
        return new ComponentIdentifier(Messages.AsciiCase.Lower(fieldName));
    }

    /// <summary>Creates <c>"@query-param";name="..."</c> (the name in its percent-encoded form, §2.2.8).</summary>
    public static ComponentIdentifier QueryParam(string encodedName) =>
        new("@query-param", new SfParameters().Set("name", SfBareItem.FromString(encodedName)));

    /// <summary>
    /// Parses an identifier written as a structured-field item (<c>"@query-param";name="Pet"</c>) or, for
    /// convenience, as a bare name (<c>@method</c>, <c>content-digest</c>; field names are lowercased).
    /// </summary>
    /// <exception cref="HttpSignatureException">The text is not a valid identifier.</exception>
    public static ComponentIdentifier Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = text.Trim();
        if (!text.StartsWith('"'))
        {
            return text.StartsWith('@') ? new ComponentIdentifier(text) : Field(text);
        }

        try
        {
            return FromItem(StructuredField.ParseItem(text));
        }
        catch (StructuredFieldException ex)
        {
            throw new HttpSignatureException(SignatureFailure.InvalidComponent, $"Invalid component identifier {text}: {ex.Message}", ex);
        }
    }

    /// <summary>Creates an identifier from an inner-list item of <c>Signature-Input</c>.</summary>
    /// <exception cref="HttpSignatureException">The item is not a string.</exception>
    public static ComponentIdentifier FromItem(SfItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Value.Type != SfBareItemType.String)
        {
            throw new HttpSignatureException(
                SignatureFailure.InvalidComponent,
                $"A component identifier must be a string, not {item.Value.Type} {item.Value}.");
        }

        return new ComponentIdentifier(item.Value.StringValue, item.Parameters);
    }

    /// <summary>A copy with one more (or a replaced) parameter.</summary>
    public ComponentIdentifier WithParameter(string key, SfBareItem value) => new(Name, _parameters.Clone().Set(key, value));

    /// <summary>A copy with the boolean parameter <paramref name="key"/> (<c>sf</c>, <c>bs</c>, <c>tr</c>, <c>req</c>).</summary>
    public ComponentIdentifier WithFlag(string key) => WithParameter(key, SfBareItem.FromBoolean(true));

    /// <summary>A copy with <c>;req</c>: the component of the request a response answers.</summary>
    public ComponentIdentifier FromRequest() => WithFlag("req");

    /// <summary>The value of a parameter, or null.</summary>
    public SfBareItem? GetParameter(string key) => _parameters[key];

    /// <summary>This identifier as a structured-field item.</summary>
    public SfItem ToItem() => new(SfBareItem.StringNoCheck(Name), _parameters.Clone());

    /// <summary>The canonical serialization, e.g. <c>"@query-param";name="Pet"</c>.</summary>
    public override string ToString()
    {
        if (_serialized is null)
        {
            var sb = new StringBuilder(Name.Length + 2);
            StructuredField.AppendString(sb, Name);
            StructuredField.AppendParameters(sb, _parameters);
            _serialized = sb.ToString();
        }

        return _serialized;
    }

    /// <inheritdoc />
    public bool Equals(ComponentIdentifier? other) => other is not null && string.Equals(ToString(), other.ToString(), StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ComponentIdentifier);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    internal SfParameters RawParameters => _parameters;
}
