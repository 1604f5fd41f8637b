using System.Security.Cryptography;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures.Digest;

/// <summary>
/// RFC 9530 <c>Content-Digest</c>: a structured-field dictionary of <c>algorithm=:base64:</c> members computed over
/// the content (after content coding, before transfer coding).
/// </summary>
public static class ContentDigest
{
    /// <summary>The field name.</summary>
    public const string FieldName = "Content-Digest";

    /// <summary>The field value for <paramref name="content"/>: sha-256 unless other algorithms are given.</summary>
    public static string Create(ReadOnlySpan<byte> content, params ReadOnlySpan<DigestAlgorithm> algorithms)
    {
        if (algorithms.IsEmpty)
        {
            // The common case (OCM §Signing Requirements: sha-256), without the incremental machinery.
            return "sha-256=:" + Convert.ToBase64String(SHA256.HashData(content)) + ":";
        }

        using var hasher = new ContentDigestHasher(algorithms);
        hasher.Append(content);
        return hasher.GetContentDigestValue();
    }

    /// <summary>
    /// Checks a field value against <paramref name="content"/>. Members with unknown algorithms are ignored; every
    /// recognized one must match (RFC 9530 §5, OCM §9.4 step 5).
    /// </summary>
    public static DigestVerificationResult Verify(string fieldValue, ReadOnlySpan<byte> content)
    {
        if (TryParse(fieldValue, out var members) is { } failure)
        {
            return failure;
        }

        if (members.Count == 1 && members[0].Algorithm == DigestAlgorithm.Sha256)
        {
            var hash = SHA256.HashData(content);
            return Compare(members, _ => hash);
        }

        using var hasher = new ContentDigestHasher([.. members.Select(m => m.Algorithm).Distinct()]);
        hasher.Append(content);
        return Compare(members, hasher.GetDigest);
    }

    /// <summary>Checks a field value against content that was hashed incrementally.</summary>
    public static DigestVerificationResult Verify(string fieldValue, ContentDigestHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        if (TryParse(fieldValue, out var members) is { } failure)
        {
            return failure;
        }

        var missing = members.FirstOrDefault(m => !hasher.Has(m.Algorithm));
        if (missing.Value is not null)
        {
            throw new InvalidOperationException($"The hasher did not compute {missing.Algorithm.GetName()}.");
        }

        return Compare(members, hasher.GetDigest);
    }

    /// <summary>Reads <paramref name="content"/> to its end and checks the field value against it.</summary>
    public static async Task<DigestVerificationResult> VerifyAsync(string fieldValue, Stream content, CancellationToken cancellationToken = default)
    {
        if (TryParse(fieldValue, out var members) is { } failure)
        {
            return failure;
        }

        using var hasher = new ContentDigestHasher([.. members.Select(m => m.Algorithm).Distinct()]);
        await hasher.AppendAsync(content, cancellationToken).ConfigureAwait(false);
        return Compare(members, hasher.GetDigest);
    }

    private static DigestVerificationResult? TryParse(string fieldValue, out List<(DigestAlgorithm Algorithm, byte[] Value)> members)
    {
        members = [];
        if (!StructuredField.TryParseDictionary(fieldValue ?? string.Empty, out var dictionary, out var error))
        {
            return new DigestVerificationResult(DigestVerificationStatus.Malformed, $"{FieldName} is not a structured-field dictionary: {error}");
        }

        var unknown = new List<string>();
        foreach (var (key, member) in dictionary)
        {
            if (!DigestAlgorithms.TryParse(key, out var algorithm))
            {
                unknown.Add(key);
                continue;
            }

            if (member is not SfItem { Value.Type: SfBareItemType.ByteSequence } item)
            {
                return new DigestVerificationResult(DigestVerificationStatus.Malformed, $"{FieldName} member '{key}' is not a byte sequence.");
            }

            members.Add((algorithm, item.Value.ByteSequenceValue.ToArray()));
        }

        if (members.Count == 0)
        {
            return unknown.Count == 0
                ? new DigestVerificationResult(DigestVerificationStatus.Malformed, $"{FieldName} is empty.")
                : new DigestVerificationResult(
                    DigestVerificationStatus.NoSupportedAlgorithm,
                    $"{FieldName} names no supported algorithm ({string.Join(", ", unknown)}); supported: sha-256, sha-512.");
        }

        return null;
    }

    private static DigestVerificationResult Compare(List<(DigestAlgorithm Algorithm, byte[] Value)> members, Func<DigestAlgorithm, byte[]> digest)
    {
        foreach (var (algorithm, value) in members)
        {
            if (!CryptographicOperations.FixedTimeEquals(digest(algorithm), value))
            {
                return new DigestVerificationResult(
                    DigestVerificationStatus.Mismatch,
                    $"{FieldName} {algorithm.GetName()} does not match the body (expected :{Convert.ToBase64String(digest(algorithm))}:).");
            }
        }

        return new DigestVerificationResult(DigestVerificationStatus.Match, $"{FieldName} matches ({string.Join(", ", members.Select(m => m.Algorithm.GetName()))}).");
    }
}
