namespace Ocm.WebDav;

/// <summary>Section <c>Ocm:WebDav</c>.</summary>
internal sealed record WebDavOptions
{
    public const string Section = "Ocm:WebDav";

    /// <summary>Largest file a PUT may upload, in bytes; larger ones get 413. Default 16 GiB.</summary>
    public long MaxUploadBytes { get; init; } = 16L * 1024 * 1024 * 1024;

    /// <summary>
    /// Whether PROPFIND with <c>Depth: infinity</c> (or no Depth header) is answered. Default false: it is refused with
    /// 403 and the <c>propfind-finite-depth</c> condition (RFC 4918 §9.1), because one request could walk a whole tree.
    /// </summary>
    public bool AllowInfiniteDepth { get; init; }

    /// <summary>Largest XML request body (PROPFIND, PROPPATCH, LOCK) in bytes; larger ones get 413. Default 1 MiB.</summary>
    public int MaxXmlBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest value of one dead property in bytes (serialised XML); larger ones fail with 507. Default 64 KiB.</summary>
    public int MaxPropertyBytes { get; init; } = 64 * 1024;

    /// <summary>Lock timeout when the client asks for none. Default 3600 s.</summary>
    public int DefaultLockTimeoutSeconds { get; init; } = 3600;

    /// <summary>Longest lock timeout granted (also for <c>Infinite</c>). Default 86400 s (one day).</summary>
    public int MaxLockTimeoutSeconds { get; init; } = 86400;

    public IEnumerable<string> Validate()
    {
        if (MaxUploadBytes < 0)
        {
            yield return "Ocm:WebDav:MaxUploadBytes must be 0 or more.";
        }

        if (MaxXmlBodyBytes < 1024)
        {
            yield return "Ocm:WebDav:MaxXmlBodyBytes must be at least 1024.";
        }

        if (MaxPropertyBytes < 256)
        {
            yield return "Ocm:WebDav:MaxPropertyBytes must be at least 256.";
        }

        if (DefaultLockTimeoutSeconds < 1 || MaxLockTimeoutSeconds < DefaultLockTimeoutSeconds)
        {
            yield return "Ocm:WebDav lock timeouts must be positive, and MaxLockTimeoutSeconds at least DefaultLockTimeoutSeconds.";
        }
    }
}
