using System.Collections.ObjectModel;

namespace Ocm.Protocol.Signatures.StructuredFields;

/// <summary>A structured-field list: an ordered sequence of items and inner lists (RFC 9651 §3.1).</summary>
public sealed class SfList : Collection<SfMember>
{
    /// <summary>Creates an empty list.</summary>
    public SfList()
    {
    }

    /// <summary>Creates a list with the given members.</summary>
    public SfList(IEnumerable<SfMember> members)
        : base([.. members])
    {
    }

    /// <summary>The canonical serialization (RFC 9651 §4.1.1); empty for an empty list.</summary>
    public override string ToString() => StructuredField.Serialize(this);

    /// <inheritdoc />
    protected override void InsertItem(int index, SfMember item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.InsertItem(index, item);
    }

    /// <inheritdoc />
    protected override void SetItem(int index, SfMember item)
    {
        ArgumentNullException.ThrowIfNull(item);
        base.SetItem(index, item);
    }
}
