using System.Collections.Frozen;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>Settings for building signature bases.</summary>
public sealed record SignatureBaseOptions
{
    /// <summary>
    /// The structured type of each field that may be covered with <c>;sf</c> (RFC 9421 §2.1.1 requires the type to
    /// be known). Names compare case-insensitively. Defaults to <see cref="KnownStructuredFields"/>.
    /// </summary>
    public IReadOnlyDictionary<string, StructuredFieldType> StructuredFieldTypes { get; init; } = KnownStructuredFields;

    /// <summary>Structured fields registered with IANA that a signature may plausibly cover.</summary>
    public static IReadOnlyDictionary<string, StructuredFieldType> KnownStructuredFields { get; } =
        new Dictionary<string, StructuredFieldType>(StringComparer.OrdinalIgnoreCase)
        {
            ["accept-ch"] = StructuredFieldType.List,
            ["accept-signature"] = StructuredFieldType.Dictionary,
            ["cache-status"] = StructuredFieldType.List,
            ["cdn-cache-control"] = StructuredFieldType.Dictionary,
            ["client-cert"] = StructuredFieldType.Item,
            ["client-cert-chain"] = StructuredFieldType.List,
            ["content-digest"] = StructuredFieldType.Dictionary,
            ["cross-origin-embedder-policy"] = StructuredFieldType.Item,
            ["cross-origin-opener-policy"] = StructuredFieldType.Item,
            ["origin-agent-cluster"] = StructuredFieldType.Item,
            ["priority"] = StructuredFieldType.Dictionary,
            ["proxy-status"] = StructuredFieldType.List,
            ["repr-digest"] = StructuredFieldType.Dictionary,
            ["signature"] = StructuredFieldType.Dictionary,
            ["signature-input"] = StructuredFieldType.Dictionary,
            ["want-content-digest"] = StructuredFieldType.Dictionary,
            ["want-repr-digest"] = StructuredFieldType.Dictionary,
        }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    // Declared after KnownStructuredFields: static initializers run in textual order.
    /// <summary>The defaults: <see cref="KnownStructuredFields"/> for the <c>sf</c> parameter.</summary>
    public static SignatureBaseOptions Default { get; } = new();

    /// <summary>A copy that also knows the given field types (e.g. an application's own structured header).</summary>
    public SignatureBaseOptions WithStructuredFieldTypes(IEnumerable<KeyValuePair<string, StructuredFieldType>> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var merged = new Dictionary<string, StructuredFieldType>(StructuredFieldTypes, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, type) in extra)
        {
            merged[name] = type;
        }

        return this with { StructuredFieldTypes = merged };
    }
}
