using System.Collections;

namespace Ocm.Protocol.Signatures.Messages;

/// <summary>One HTTP field line: a name and its value as received (names compare case-insensitively).</summary>
/// <param name="Name">The field name as written.</param>
/// <param name="Value">The field-line value, without leading/trailing whitespace and with obsolete line folding removed.</param>
public readonly record struct HttpField(string Name, string Value);

/// <summary>
/// The header or trailer section of an HTTP message: field lines in order, several lines per name allowed
/// (RFC 9110 §5.3). Order matters to HTTP Message Signatures: repeated lines are combined in order with ", "
/// (RFC 9421 §2.1) and the <c>bs</c> parameter encodes each line separately.
/// </summary>
public sealed class HttpFieldCollection : IReadOnlyList<HttpField>
{
    private readonly List<HttpField> _fields = [];

    /// <inheritdoc />
    public int Count => _fields.Count;

    /// <inheritdoc />
    public HttpField this[int index] => _fields[index];

    /// <summary>Appends a field line.</summary>
    /// <exception cref="ArgumentException">The name is not a token or the value contains CR, LF or NUL.</exception>
    public void Add(string name, string value)
    {
        ValidateName(name);
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
        {
            throw new ArgumentException($"The value of field '{name}' contains CR, LF or NUL.", nameof(value));
        }

        _fields.Add(new HttpField(name, value));
    }

    /// <summary>Replaces every line of <paramref name="name"/> with one line, kept at the position of the first one.</summary>
    public void Set(string name, string value)
    {
        var index = _fields.FindIndex(f => NameEquals(f.Name, name));
        Remove(name);
        Add(name, value);
        if (index >= 0 && index < _fields.Count - 1)
        {
            var field = _fields[^1];
            _fields.RemoveAt(_fields.Count - 1);
            _fields.Insert(index, field);
        }
    }

    /// <summary>Removes every line of <paramref name="name"/>; returns how many were removed.</summary>
    public int Remove(string name) => _fields.RemoveAll(f => NameEquals(f.Name, name));

    /// <summary>True when at least one line of <paramref name="name"/> is present.</summary>
    public bool Contains(string name)
    {
        foreach (var field in _fields)
        {
            if (NameEquals(field.Name, name))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The values of every line of <paramref name="name"/>, in order.</summary>
    public IReadOnlyList<string> GetValues(string name)
    {
        List<string>? values = null;
        foreach (var field in _fields)
        {
            if (NameEquals(field.Name, name))
            {
                (values ??= []).Add(field.Value);
            }
        }

        return values ?? (IReadOnlyList<string>)[];
    }

    /// <summary>
    /// The combined value of a field (RFC 9421 §2.1): each line stripped of leading and trailing whitespace,
    /// obsolete line folding replaced by one space, lines joined with ", ". False when the field is absent.
    /// </summary>
    public bool TryGetCombinedValue(string name, out string value)
    {
        string? single = null;
        List<string>? many = null;
        foreach (var field in _fields)
        {
            if (!NameEquals(field.Name, name))
            {
                continue;
            }

            var canonical = FieldValues.Canonicalize(field.Value);
            if (single is null)
            {
                single = canonical;
            }
            else
            {
                (many ??= [single]).Add(canonical);
            }
        }

        value = many is not null ? string.Join(", ", many) : single ?? string.Empty;
        return single is not null;
    }

    /// <summary>The combined value (see <see cref="TryGetCombinedValue"/>) or null when absent.</summary>
    public string? GetCombinedValue(string name) => TryGetCombinedValue(name, out var value) ? value : null;

    /// <inheritdoc />
    public IEnumerator<HttpField> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static bool NameEquals(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    internal void AddUnchecked(string name, string value) => _fields.Add(new HttpField(name, value));

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (!StructuredFields.SfChars.IsTchar(c))
            {
                throw new ArgumentException($"'{name}' is not a valid HTTP field name.", nameof(name));
            }
        }
    }
}

/// <summary>Field-value canonicalization shared by RFC 9421 and draft-cavage.</summary>
internal static class FieldValues
{
    /// <summary>Strips leading/trailing SP and HTAB and replaces obsolete line folding with a single SP.</summary>
    public static string Canonicalize(string value)
    {
        var span = value.AsSpan().Trim(" \t");
        if (span.IndexOfAny('\r', '\n') < 0)
        {
            return span.Length == value.Length ? value : span.ToString();
        }

        var sb = new System.Text.StringBuilder(span.Length);
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (c is '\r' or '\n')
            {
                while (i + 1 < span.Length && span[i + 1] is '\r' or '\n' or ' ' or '\t')
                {
                    i++;
                }

                while (sb.Length > 0 && sb[^1] is ' ' or '\t')
                {
                    sb.Length--;
                }

                sb.Append(' ');
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
