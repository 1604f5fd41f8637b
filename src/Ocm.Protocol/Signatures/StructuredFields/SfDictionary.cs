using System.Collections;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>
/// A structured-field dictionary: an ordered map from keys to items or inner lists (RFC 9651 §3.2). Setting an
/// existing key replaces its value in place (the parsing rule of §4.2.2).
/// </summary>
public sealed class SfDictionary : IReadOnlyList<KeyValuePair<string, SfMember>>, IReadOnlyDictionary<string, SfMember>
{
    private readonly OrderedDictionary<string, SfMember> _members = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public int Count => _members.Count;

    /// <inheritdoc />
    public KeyValuePair<string, SfMember> this[int index] => _members.GetAt(index);

    /// <summary>The member named <paramref name="key"/>, or null when absent.</summary>
    public SfMember? this[string key] => _members.TryGetValue(key, out var member) ? member : null;

    /// <summary>The keys in order.</summary>
    public IEnumerable<string> Keys => _members.Keys;

    /// <summary>The members in order.</summary>
    public IEnumerable<SfMember> Values => _members.Values;

    SfMember IReadOnlyDictionary<string, SfMember>.this[string key] => _members[key];

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key) => _members.ContainsKey(key);

    /// <summary>Looks up a member by key.</summary>
    public bool TryGetValue(string key, out SfMember member) => _members.TryGetValue(key, out member!);

    /// <summary>Adds a member or replaces the value of an existing key, keeping its position.</summary>
    /// <exception cref="StructuredFieldException">The key is not a valid structured-field key.</exception>
    public SfDictionary Set(string key, SfMember member)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(member);
        if (!SfChars.IsValidKey(key))
        {
            throw new StructuredFieldException($"'{key}' is not a valid structured-field key.");
        }

        _members[key] = member;
        return this;
    }

    /// <summary>Removes a member; true when it was present.</summary>
    public bool Remove(string key) => _members.Remove(key);

    /// <summary>The canonical serialization (RFC 9651 §4.1.2); empty for an empty dictionary.</summary>
    public override string ToString() => StructuredField.Serialize(this);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, SfMember>> GetEnumerator() => _members.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void SetUnchecked(string key, SfMember member) => _members[key] = member;
}
