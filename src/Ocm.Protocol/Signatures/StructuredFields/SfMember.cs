namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>A member of a list or dictionary: either an <see cref="SfItem"/> or an <see cref="SfInnerList"/>.</summary>
public abstract class SfMember
{
    private protected SfMember(SfParameters? parameters)
    {
        Parameters = parameters ?? new SfParameters();
    }

    /// <summary>The member's parameters.</summary>
    public SfParameters Parameters { get; }

    /// <summary>The canonical serialization of the member.</summary>
    public abstract override string ToString();
}

/// <summary>An item: a bare item with parameters (RFC 9651 §3.3).</summary>
public sealed class SfItem : SfMember
{
    /// <summary>Creates an item.</summary>
    public SfItem(SfBareItem value, SfParameters? parameters = null)
        : base(parameters)
    {
        ArgumentNullException.ThrowIfNull(value);
        Value = value;
    }

    /// <summary>The bare item.</summary>
    public SfBareItem Value { get; }

    /// <inheritdoc />
    public override string ToString() => StructuredField.Serialize(this);
}

/// <summary>An inner list: a parenthesized list of items, with parameters (RFC 9651 §3.1.1).</summary>
public sealed class SfInnerList : SfMember
{
    /// <summary>Creates an inner list.</summary>
    public SfInnerList(IEnumerable<SfItem> items, SfParameters? parameters = null)
        : base(parameters)
    {
        ArgumentNullException.ThrowIfNull(items);
        Items = [.. items];
    }

    /// <summary>The items, in order.</summary>
    public IReadOnlyList<SfItem> Items { get; }

    /// <inheritdoc />
    public override string ToString() => StructuredField.Serialize(this);
}
