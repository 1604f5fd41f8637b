using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Digest;

/// <summary>
/// Hashes content incrementally with one or more digest algorithms, so a body can be digested while it streams
/// (RFC 9530 <c>Content-Digest</c> or the legacy <c>Digest</c> header).
/// </summary>
public sealed class ContentDigestHasher : IDisposable
{
    private readonly (DigestAlgorithm Algorithm, IncrementalHash Hash)[] _hashes;
    private byte[][]? _results;

    /// <summary>Starts hashing with the given algorithms (sha-256 when none are given).</summary>
    public ContentDigestHasher(params ReadOnlySpan<DigestAlgorithm> algorithms)
    {
        if (algorithms.IsEmpty)
        {
            algorithms = [DigestAlgorithm.Sha256];
        }

        _hashes = new (DigestAlgorithm, IncrementalHash)[algorithms.Length];
        for (var i = 0; i < algorithms.Length; i++)
        {
            _hashes[i] = (algorithms[i], IncrementalHash.CreateHash(algorithms[i].ToHashAlgorithmName()));
        }
    }

    /// <summary>The algorithms in use.</summary>
    public IEnumerable<DigestAlgorithm> Algorithms => _hashes.Select(h => h.Algorithm);

    /// <summary>Total number of bytes appended.</summary>
    public long Length { get; private set; }

    /// <summary>Adds content bytes.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        if (_results is not null)
        {
            throw new InvalidOperationException("The digest has already been computed.");
        }

        foreach (var (_, hash) in _hashes)
        {
            hash.AppendData(data);
        }

        Length += data.Length;
    }

    /// <summary>Reads a stream to its end, hashing everything.</summary>
    public async Task AppendAsync(Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            Append(buffer.AsSpan(0, read));
        }
    }

    /// <summary>The digest for <paramref name="algorithm"/> (finishes hashing on first call).</summary>
    public byte[] GetDigest(DigestAlgorithm algorithm)
    {
        Finish();
        for (var i = 0; i < _hashes.Length; i++)
        {
            if (_hashes[i].Algorithm == algorithm)
            {
                return _results![i];
            }
        }

        throw new InvalidOperationException($"{algorithm} was not computed.");
    }

    /// <summary>The <c>Content-Digest</c> field value, e.g. <c>sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:</c>.</summary>
    public string GetContentDigestValue()
    {
        Finish();
        return string.Join(", ", _hashes.Select((h, i) => $"{h.Algorithm.GetName()}=:{Convert.ToBase64String(_results![i])}:"));
    }

    /// <summary>The legacy <c>Digest</c> field value, e.g. <c>SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=</c>.</summary>
    public string GetLegacyDigestValue()
    {
        Finish();
        return string.Join(",", _hashes.Select((h, i) => $"{h.Algorithm.GetLegacyName()}={Convert.ToBase64String(_results![i])}"));
    }

    /// <summary>Checks a <c>Content-Digest</c> field value against the hashed content.</summary>
    public DigestVerificationResult VerifyContentDigest(string fieldValue) => ContentDigest.Verify(fieldValue, this);

    /// <summary>Checks a legacy <c>Digest</c> field value against the hashed content.</summary>
    public DigestVerificationResult VerifyLegacyDigest(string fieldValue) => LegacyDigest.Verify(fieldValue, this);

    internal bool Has(DigestAlgorithm algorithm) => _hashes.Any(h => h.Algorithm == algorithm);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, hash) in _hashes)
        {
            hash.Dispose();
        }
    }

    private void Finish() => _results ??= [.. _hashes.Select(h => h.Hash.GetHashAndReset())];
}
