namespace Ocm.Hosting;

/// <summary>
/// Top-level server settings, section <c>Ocm</c>. Sources, lowest precedence first: <c>appsettings.json</c>,
/// <c>ocm.json</c> in the data directory, environment <c>OCM_…</c>, command-line flags.
/// </summary>
internal sealed record OcmOptions
{
    public const string Section = "Ocm";

    /// <summary>Where the database, files, keys and <c>ocm.json</c> live. Default <c>./data</c>.</summary>
    public string DataDir { get; init; } = "./data";

    /// <summary>Addresses Kestrel listens on, separated by <c>;</c>. Default <c>http://localhost:8080</c>.</summary>
    public string Urls { get; init; } = "http://localhost:8080";

    /// <summary>
    /// The externally visible base URL (scheme, host, optional port and path prefix). Used in the discovery
    /// document, in OCM addresses and to rebuild <c>@target-uri</c> behind a reverse proxy. Default: the first of
    /// <see cref="Urls"/>.
    /// </summary>
    public string? PublicUrl { get; init; }

    /// <summary>Name shown to peers as <c>provider</c> in discovery.</summary>
    public string ProviderName { get; init; } = "Ocm";

    /// <summary>Largest request body accepted on the OCM API and JSON API, in bytes (WebDAV uploads have their own limit).</summary>
    public long MaxApiBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Log format on the console: <c>simple</c> or <c>json</c>.</summary>
    public string LogFormat { get; init; } = "simple";
}
