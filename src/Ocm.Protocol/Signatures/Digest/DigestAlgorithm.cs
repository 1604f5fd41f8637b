using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Digest;

/// <summary>Hash algorithms of the IANA "Hash Algorithms for HTTP Digest Fields" registry that are active (RFC 9530 §7.2).</summary>
public enum DigestAlgorithm
{
    /// <summary><c>sha-256</c>; OCM requires it (OCM §Signing Requirements).</summary>
    Sha256,

    /// <summary><c>sha-512</c>.</summary>
    Sha512,
}

/// <summary>Names and hashing helpers for <see cref="DigestAlgorithm"/>.</summary>
public static class DigestAlgorithms
{
    /// <summary>The RFC 9530 key, e.g. <c>sha-256</c>.</summary>
    public static string GetName(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => "sha-256",
        DigestAlgorithm.Sha512 => "sha-512",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>The RFC 3230 (legacy <c>Digest</c> header) name, e.g. <c>SHA-256</c>.</summary>
    public static string GetLegacyName(this DigestAlgorithm algorithm) => algorithm switch
    {
        DigestAlgorithm.Sha256 => "SHA-256",
        DigestAlgorithm.Sha512 => "SHA-512",
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    /// <summary>Parses a digest algorithm name, case-insensitively (<c>sha-256</c>, <c>SHA-512</c>).</summary>
    public static bool TryParse(string? name, out DigestAlgorithm algorithm)
    {
        if (string.Equals(name, "sha-256", StringComparison.OrdinalIgnoreCase))
        {
            algorithm = DigestAlgorithm.Sha256;
            return true;
        }

        if (string.Equals(name, "sha-512", StringComparison.OrdinalIgnoreCase))
        {
            algorithm = DigestAlgorithm.Sha512;
            return true;
        }

        algorithm = default;
        return false;
    }

    /// <summary>Hashes <paramref name="data"/> in one call.</summary>
    public static byte[] Hash(this DigestAlgorithm algorithm, ReadOnlySpan<byte> data) => algorithm switch
    {
        DigestAlgorithm.Sha256 => SHA256.HashData(data),
        DigestAlgorithm.Sha512 => SHA512.HashData(data),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm)),
    };

    internal static HashAlgorithmName ToHashAlgorithmName(this DigestAlgorithm algorithm) =>
        algorithm == DigestAlgorithm.Sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
}
