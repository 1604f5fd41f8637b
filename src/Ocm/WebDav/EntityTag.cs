namespace Ocm.WebDav;

/// <summary>
/// An entity tag (RFC 9110 §8.8.3): an opaque quoted string, marked weak by a <c>W/</c> prefix. <see cref="Opaque"/> is
/// what stands between the quotes. The tags this server gives out are all strong.
/// </summary>
internal readonly record struct EntityTag(string Opaque, bool IsWeak)
{
    /// <summary>
    /// The strong comparison (RFC 9110 §8.8.3.2): neither tag is weak and the opaque tags are the same, character for
    /// character. <c>If-Match</c> compares this way (§13.1.1): a weak tag never matches.
    /// </summary>
    public bool StrongEquals(EntityTag other) => !IsWeak && !other.IsWeak && string.Equals(Opaque, other.Opaque, StringComparison.Ordinal);

    /// <summary>
    /// The weak comparison (RFC 9110 §8.8.3.2): the opaque tags are the same, whether either is weak or not.
    /// <c>If-None-Match</c> compares this way (§13.1.2), and so does the WebDAV <c>If</c> header here (RFC 4918 §10.4.4
    /// leaves the choice to the server).
    /// </summary>
    public bool WeakEquals(EntityTag other) => string.Equals(Opaque, other.Opaque, StringComparison.Ordinal);

    /// <summary>
    /// Reads one entity tag, the whole of <paramref name="value"/> but surrounding white space:
    /// <c>entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE</c>, <c>etagc = %x21 / %x23-7E / obs-text</c> (RFC 9110 §8.8.3).
    /// An unquoted value is not an entity tag.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> value, out EntityTag tag)
    {
        value = value.Trim([' ', '\t']);
        var position = 0;
        if (!TryRead(value, ref position, out tag) || position != value.Length)
        {
            tag = default;
            return false;
        }

        return true;
    }

    /// <summary>Reads an entity tag starting at <paramref name="position"/>, advancing past it.</summary>
    internal static bool TryRead(ReadOnlySpan<char> value, ref int position, out EntityTag tag)
    {
        tag = default;
        var start = position;
        var weak = value[start..].StartsWith("W/", StringComparison.Ordinal);
        if (weak)
        {
            start += 2;
        }

        if (start >= value.Length || value[start] != '"')
        {
            return false;
        }

        var end = start + 1;
        while (end < value.Length && value[end] != '"')
        {
            var c = value[end];
            if (c < 0x21 || c == 0x7F)
            {
                return false; // white space and controls are not etagc
            }

            end++;
        }

        if (end >= value.Length)
        {
            return false;
        }

        tag = new EntityTag(value[(start + 1)..end].ToString(), weak);
        position = end + 1;
        return true;
    }

    /// <summary>The tag as it appears in a header: quoted, with <c>W/</c> when weak.</summary>
    public override string ToString() => (IsWeak ? "W/\"" : "\"") + Opaque + "\"";
}

/// <summary>
/// An <c>If-Match</c> or <c>If-None-Match</c> value (RFC 9110 §13.1.1, §13.1.2): <c>*</c>, or a comma-separated list
/// of entity tags.
/// </summary>
internal sealed record EntityTagCondition(bool Any, IReadOnlyList<EntityTag> Tags)
{
    /// <summary>
    /// <c>If-Match</c>: true when the resource exists and, unless the condition is <c>*</c>, one of the tags matches its
    /// <paramref name="current"/> tag by strong comparison.
    /// </summary>
    public bool MatchesStrongly(EntityTag? current) => current is { } tag && (Any || Tags.Any(t => t.StrongEquals(tag)));

    /// <summary><c>If-None-Match</c>: as <see cref="MatchesStrongly"/>, but by weak comparison.</summary>
    public bool MatchesWeakly(EntityTag? current) => current is { } tag && (Any || Tags.Any(t => t.WeakEquals(tag)));

    /// <summary>
    /// Reads <c>"*" / 1#entity-tag</c>; the list's empty elements are skipped (RFC 9110 §5.6.1). False when anything
    /// else is there, an unquoted tag for instance.
    /// </summary>
    public static bool TryParse(string value, out EntityTagCondition? condition)
    {
        condition = null;
        var span = value.AsSpan().Trim([' ', '\t']);
        if (span.SequenceEqual("*"))
        {
            condition = new EntityTagCondition(true, []);
            return true;
        }

        var tags = new List<EntityTag>();
        var position = 0;
        while (true)
        {
            while (position < span.Length && span[position] is ' ' or '\t' or ',')
            {
                position++;
            }

            if (position >= span.Length)
            {
                break;
            }

            if (!EntityTag.TryRead(span, ref position, out var tag))
            {
                return false;
            }

            tags.Add(tag);
            while (position < span.Length && span[position] is ' ' or '\t')
            {
                position++;
            }

            if (position < span.Length && span[position] != ',')
            {
                return false;
            }
        }

        if (tags.Count == 0)
        {
            return false;
        }

        condition = new EntityTagCondition(false, tags);
        return true;
    }
}
