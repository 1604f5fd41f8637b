namespace Ocm.Files;

/// <summary>Section <c>Ocm:Storage</c>: which store holds file contents (and the chunks of uploads in progress).</summary>
internal sealed record StorageOptions
{
    public const string Section = "Ocm:Storage";

    public const string Disk = "disk";

    public const string S3 = "s3";

    /// <summary>
    /// <c>disk</c> (default): contents on the local disk (<see cref="FilesOptions.Root"/>). <c>s3</c>: in an S3-compatible
    /// object store (<see cref="S3StorageOptions"/>), shared by every node of a deployment.
    /// </summary>
    public string Provider { get; init; } = Disk;

    public bool IsS3 => string.Equals(Provider, S3, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The start-up sweep removes contents no file points at once they are this old (seconds). Younger ones may belong to
    /// an upload whose database commit is still running, on this or another node. Default 3600 (an hour).
    /// </summary>
    public int OrphanSeconds { get; init; } = 3600;

    public IEnumerable<string> Validate()
    {
        if (!IsS3 && !string.Equals(Provider, Disk, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"Ocm:Storage:Provider '{Provider}' is not supported; use 'disk' or 's3'.";
        }

        if (OrphanSeconds < 1)
        {
            yield return "Ocm:Storage:OrphanSeconds must be at least 1.";
        }
    }
}

/// <summary>
/// Section <c>Ocm:Storage:S3</c>: the S3-compatible object store (Ceph RADOS Gateway, MinIO, AWS S3 …) used when
/// <see cref="StorageOptions.Provider"/> is <c>s3</c>. The defaults suit stores that predate the SDK's 2025 integrity
/// checksums and that address buckets by path, which most self-hosted ones do.
/// </summary>
internal sealed record S3StorageOptions
{
    public const string Section = "Ocm:Storage:S3";

    /// <summary>S3's smallest part of a multipart upload, except the last (S3 API reference, UploadPart).</summary>
    public const long MinPartBytes = 5L * 1024 * 1024;

    /// <summary>S3's largest part and largest single PUT or CopyObject.</summary>
    public const long MaxPartBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>The store's endpoint, e.g. <c>https://s3.example.org</c> or <c>http://127.0.0.1:7480</c>. Required.</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>The bucket; created at the first start when it does not exist. Required.</summary>
    public string? Bucket { get; init; }

    /// <summary>The region requests are signed for. Stores with a single region accept any name. Default <c>us-east-1</c>.</summary>
    public string Region { get; init; } = "us-east-1";

    /// <summary>Access key id. Required.</summary>
    public string? AccessKey { get; init; }

    /// <summary>Secret access key. Required; never logged.</summary>
    public string? SecretKey { get; init; }

    /// <summary>Address the bucket in the path (<c>host/bucket/key</c>) rather than as a host name. Default true.</summary>
    public bool ForcePathStyle { get; init; } = true;

    /// <summary>
    /// When the SDK adds integrity checksums to uploads: <c>WhenRequired</c> (default; only where the operation requires
    /// one) or <c>WhenSupported</c> (always; stores that predate 2025, such as Ceph 16, then refuse every PUT with
    /// <c>XAmzContentSHA256Mismatch</c>).
    /// </summary>
    public S3ChecksumMode RequestChecksumCalculation { get; init; } = S3ChecksumMode.WhenRequired;

    /// <summary>When the SDK validates checksums of downloads: <c>WhenRequired</c> (default) or <c>WhenSupported</c>.</summary>
    public S3ChecksumMode ResponseChecksumValidation { get; init; } = S3ChecksumMode.WhenRequired;

    /// <summary>
    /// Uploads up to this size are sent in one PUT; larger ones as a multipart upload in parts of this size. An upload
    /// holds at most one part in memory (a full part is sent before more is read). Between 5 MiB and 5 GiB. Default 16 MiB.
    /// </summary>
    public long PartSizeBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// The sweeps abort multipart uploads started this long ago (seconds) and never completed — what a node killed
    /// mid-upload leaves. S3 dates an upload by its start, not its last part, so this must exceed the longest upload.
    /// Default 86400 (a day).
    /// </summary>
    public int AbandonedMultipartSeconds { get; init; } = 86400;

    public IEnumerable<string> Validate()
    {
        if (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            yield return "Ocm:Storage:S3:ServiceUrl must be the object store's http(s) address (set OCM_STORAGE__S3__SERVICEURL).";
        }

        // Bucket naming rules (S3 user guide, "Bucket naming rules"): 3–63 lower-case letters, digits, dots and hyphens.
        if (string.IsNullOrWhiteSpace(Bucket) || !System.Text.RegularExpressions.Regex.IsMatch(Bucket, "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"))
        {
            yield return "Ocm:Storage:S3:Bucket must be a bucket name: 3 to 63 lower-case letters, digits, dots or hyphens (set OCM_STORAGE__S3__BUCKET).";
        }

        if (string.IsNullOrWhiteSpace(Region))
        {
            yield return "Ocm:Storage:S3:Region must not be empty.";
        }

        if (string.IsNullOrWhiteSpace(AccessKey))
        {
            yield return "Ocm:Storage:S3:AccessKey is required (set OCM_STORAGE__S3__ACCESSKEY).";
        }

        if (string.IsNullOrWhiteSpace(SecretKey))
        {
            yield return "Ocm:Storage:S3:SecretKey is required (set OCM_STORAGE__S3__SECRETKEY).";
        }

        if (PartSizeBytes is < MinPartBytes or > MaxPartBytes)
        {
            yield return "Ocm:Storage:S3:PartSizeBytes must be between 5 MiB (5242880) and 5 GiB (5368709120).";
        }

        if (AbandonedMultipartSeconds < 1)
        {
            yield return "Ocm:Storage:S3:AbandonedMultipartSeconds must be at least 1.";
        }
    }
}

/// <summary>The SDK's checksum modes, as configuration values.</summary>
internal enum S3ChecksumMode
{
    WhenRequired,
    WhenSupported,
}
