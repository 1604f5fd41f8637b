namespace Ocm.SyncClients;

/// <summary>Section <c>Ocm:SyncClients</c>: what the Nextcloud/ownCloud desktop and mobile clients are told and may do.</summary>
internal sealed record SyncClientsOptions
{
    public const string Section = "Ocm:SyncClients";

    /// <summary>
    /// The Nextcloud server version <c>status.php</c> and the capabilities report. Clients switch features on by version;
    /// the default is the release whose API the endpoints here follow. Default <c>28.0.0.11</c>.
    /// </summary>
    public string CompatibleVersion { get; init; } = "28.0.0.11";

    /// <summary>How often clients should poll for remote changes (<c>core.pollinterval</c>), in seconds. Default 60.</summary>
    public int PollIntervalSeconds { get; init; } = 60;

    /// <summary>
    /// The chunk size clients are asked to use (<c>files.chunked_upload.max_size</c>), in bytes. Files larger than
    /// this are uploaded in chunks. Default 10 MB (10,000,000 bytes), what the clients use anyway.
    /// </summary>
    public long ChunkSizeBytes { get; init; } = 10_000_000;

    /// <summary>A chunked upload that has not received a chunk for this long is abandoned and its chunks deleted. Default 86400 s (one day).</summary>
    public int AbandonedUploadSeconds { get; init; } = 86400;

    /// <summary>How often abandoned chunked uploads are looked for. Default 900 s.</summary>
    public int UploadSweepIntervalSeconds { get; init; } = 900;

    /// <summary>Most chunks one upload may have. Default 10000.</summary>
    public int MaxChunksPerUpload { get; init; } = 10000;

    public IEnumerable<string> Validate()
    {
        if (!System.Text.RegularExpressions.Regex.IsMatch(CompatibleVersion, @"^\d{1,3}(\.\d{1,4}){1,3}$"))
        {
            yield return "Ocm:SyncClients:CompatibleVersion must look like 28.0.0.11.";
        }

        if (PollIntervalSeconds < 1)
        {
            yield return "Ocm:SyncClients:PollIntervalSeconds must be at least 1.";
        }

        if (ChunkSizeBytes < 1024 * 1024)
        {
            yield return "Ocm:SyncClients:ChunkSizeBytes must be at least 1 MiB.";
        }

        if (AbandonedUploadSeconds < 1)
        {
            yield return "Ocm:SyncClients:AbandonedUploadSeconds must be at least 1.";
        }

        if (UploadSweepIntervalSeconds < 1)
        {
            yield return "Ocm:SyncClients:UploadSweepIntervalSeconds must be at least 1.";
        }

        if (MaxChunksPerUpload < 1)
        {
            yield return "Ocm:SyncClients:MaxChunksPerUpload must be at least 1.";
        }
    }
}
