using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Digest;

/// <summary>
/// The legacy RFC 3230 <c>Digest</c> header (<c>SHA-256=base64</c>), still sent by draft-cavage signers such as
/// Nextcloud 31–34 and by -05 style OCM peers. Algorithm names are case-insensitive; members are comma-separated.
/// </summary>
public static class LegacyDigest
{
    /// <summary>The field name.</summary>
    public const string FieldName = "Digest";

    /// <summary>The field value, e.g. <c>SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=</c>.</summary>
    public static string Create(ReadOnlySpan<byte> content, DigestAlgorithm algorithm = DigestAlgorithm.Sha256) =>
        algorithm.GetLegacyName() + "=" + Convert.ToBase64String(algorithm.Hash(content));

    /// <summary>Checks a field value against <paramref name="content"/>; every recognized algorithm must match.</summary>
    public static DigestVerificationResult Verify(string fieldValue, ReadOnlySpan<byte> content)
    {
        if (TryParse(fieldValue, out var members) is { } failure)
        {
            return failure;
        }

        foreach (var (algorithm, value) in members)
        {
            if (!CryptographicOperations.FixedTimeEquals(algorithm.Hash(content), value))
            {
                return Mismatch(algorithm);
            }
        }

        return Match(members);
    }

    /// <summary>Checks a field value against content that was hashed incrementally.</summary>
    public static DigestVerificationResult Verify(string fieldValue, ContentDigestHasher hasher)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        if (TryParse(fieldValue, out var members) is { } failure)
        {
            return failure;
        }

        foreach (var (algorithm, value) in members)
        {
            if (!CryptographicOperations.FixedTimeEquals(hasher.GetDigest(algorithm), value))
            {
                return Mismatch(algorithm);
            }
        }

        return Match(members);
    }

    private static DigestVerificationResult Mismatch(DigestAlgorithm algorithm) =>
        new(DigestVerificationStatus.Mismatch, $"{FieldName} {algorithm.GetLegacyName()} does not match the body.");

    private static DigestVerificationResult Match(List<(DigestAlgorithm Algorithm, byte[] Value)> members) =>
        new(DigestVerificationStatus.Match, $"{FieldName} matches ({string.Join(", ", members.Select(m => m.Algorithm.GetLegacyName()))}).");

    private static DigestVerificationResult? TryParse(string fieldValue, out List<(DigestAlgorithm Algorithm, byte[] Value)> members)
    {
        members = [];
        var unknown = new List<string>();
        foreach (var part in (fieldValue ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return new DigestVerificationResult(DigestVerificationStatus.Malformed, $"{FieldName} member '{part}' is not 'algorithm=value'.");
            }

            var name = part[..eq].Trim();
            if (!DigestAlgorithms.TryParse(name, out var algorithm))
            {
                unknown.Add(name);
                continue;
            }

            var bytes = new byte[64];
            if (!Convert.TryFromBase64String(part[(eq + 1)..].Trim(), bytes, out var written))
            {
                return new DigestVerificationResult(DigestVerificationStatus.Malformed, $"{FieldName} {name} value is not base64.");
            }

            members.Add((algorithm, bytes[..written]));
        }

        if (members.Count == 0)
        {
            return unknown.Count == 0
                ? new DigestVerificationResult(DigestVerificationStatus.Malformed, $"{FieldName} is empty.")
                : new DigestVerificationResult(DigestVerificationStatus.NoSupportedAlgorithm, $"{FieldName} names no supported algorithm ({string.Join(", ", unknown)}).");
        }

        return null;
    }
}
