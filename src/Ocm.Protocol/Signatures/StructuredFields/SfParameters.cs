using System.Collections;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>
/// The ordered parameters of an item or inner list (RFC 9651 §3.1.2). Keys are unique; setting an existing key
/// replaces its value in place, so the serialization order is the order in which keys were first added.
/// </summary>
public sealed class SfParameters : IReadOnlyList<KeyValuePair<string, SfBareItem>>
{
    private List<KeyValuePair<string, SfBareItem>>? _entries;

    /// <inheritdoc />
    public int Count => _entries?.Count ?? 0;

    /// <inheritdoc />
    public KeyValuePair<string, SfBareItem> this[int index] =>
        _entries is not null ? _entries[index] : throw new ArgumentOutOfRangeException(nameof(index));

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public SfBareItem? this[string key] => TryGetValue(key, out var value) ? value : null;

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    /// <summary>Looks up a parameter by key (case-sensitive, keys are lowercase by definition).</summary>
    public bool TryGetValue(string key, out SfBareItem value)
    {
        var index = IndexOf(key);
        value = index >= 0 ? _entries![index].Value : null!;
        return index >= 0;
    }

    /// <summary>Adds a parameter, or replaces the value of an existing one keeping its position.</summary>
    /// <exception cref="StructuredFieldException">The key is not a valid structured-field key.</exception>
    public SfParameters Set(string key, SfBareItem value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (!SfChars.IsValidKey(key))
        {
            throw new StructuredFieldException($"'{key}' is not a valid structured-field key.");
        }

        SetUnchecked(key, value);
        return this;
    }

    /// <summary>Removes a parameter; true when it was present.</summary>
    public bool Remove(string key)
    {
        var index = IndexOf(key);
        if (index < 0)
        {
            return false;
        }

        _entries!.RemoveAt(index);
        return true;
    }

    /// <summary>A copy of these parameters.</summary>
    public SfParameters Clone()
    {
        var copy = new SfParameters();
        if (_entries is not null)
        {
            copy._entries = [.. _entries];
        }

        return copy;
    }

    /// <summary>The canonical serialization, e.g. <c>;a=1;b</c> (RFC 9651 §4.1.1.2).</summary>
    public override string ToString() => StructuredField.Serialize(this);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, SfBareItem>> GetEnumerator() =>
        (_entries ?? Enumerable.Empty<KeyValuePair<string, SfBareItem>>()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal void SetUnchecked(string key, SfBareItem value)
    {
        var index = IndexOf(key);
        _entries ??= new List<KeyValuePair<string, SfBareItem>>(4);
        if (index >= 0)
        {
            _entries[index] = new KeyValuePair<string, SfBareItem>(key, value);
        }
        else
        {
            _entries.Add(new KeyValuePair<string, SfBareItem>(key, value));
        }
    }

    private int IndexOf(string key)
    {
        if (_entries is null)
        {
            return -1;
        }

        for (var i = 0; i < _entries.Count; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
