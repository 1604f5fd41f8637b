namespace Ocm.Files;

/// <summary>A file upload: where, limits, and the preconditions checked atomically with the replacement.</summary>
internal sealed record FileWrite(
    long OwnerId,
    StoragePath Path,
    long? QuotaBytes,
    long MaxBytes,
    long? DeclaredLength,
    string? ContentType = null,
    DateTimeOffset? Modified = null,
    string? ExpectedETag = null,
    bool MustNotExist = false,
    ContentChecksum? ExpectedChecksum = null,
    long? ReplacedSize = null);

internal enum WriteStatus
{
    Created,
    Replaced,
    ParentMissing,
    IsFolder,
    PreconditionFailed,
    QuotaExceeded,
    TooLarge,
    ChecksumMismatch,
    IncompleteBody,
}

internal sealed record WriteResult(WriteStatus Status, FileNode? Node);

/// <summary>A checksum a client declared for its upload (<c>OC-Checksum: SHA1:…</c>), verified before the upload is kept.</summary>
internal sealed record ContentChecksum(string Algorithm, string Hex)
{
    public static ContentChecksum? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        // Several may be given separated by spaces; the first we can check wins.
        foreach (var part in header.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var algorithm = part[..colon].ToUpperInvariant();
            var hex = part[(colon + 1)..].ToLowerInvariant();
            if ((algorithm == "SHA1" && hex.Length == 40) || (algorithm == "SHA256" && hex.Length == 64))
            {
                return new ContentChecksum(algorithm, hex);
            }
        }

        return null;
    }

    public bool Matches(string sha1, string sha256) => Algorithm switch
    {
        "SHA1" => Hex == sha1,
        "SHA256" => Hex == sha256,
        _ => true,
    };
}
