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

    /// <summary>
    /// The secret every node of a deployment shares; it encrypts the signing keys and other secrets kept in the database.
    /// Required with PostgreSQL (or <see cref="DeploymentSecretFile"/>); with SQLite, unset means a generated
    /// <c>{DataDir}/deployment-secret</c>.
    /// </summary>
    public string? DeploymentSecret { get; init; }

    /// <summary>A file holding the deployment secret (not readable by other users), instead of <see cref="DeploymentSecret"/>.</summary>
    public string? DeploymentSecretFile { get; init; }

    /// <summary>Log format on the console: <c>simple</c> or <c>json</c>.</summary>
    public string LogFormat { get; init; } = "simple";

    /// <summary>
    /// Every error at once. The listen addresses are checked here because Kestrel parses them only when it starts,
    /// with an exception that names neither the setting nor the fix.
    /// </summary>
    public IEnumerable<string> Validate()
    {
        var urls = Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (urls.Length == 0)
        {
            yield return "Ocm:Urls is empty: give at least one address to listen on (e.g. http://0.0.0.0:8080).";
        }

        foreach (var url in urls)
        {
            if (ListenAddressError(url) is { } error)
            {
                yield return $"Ocm:Urls: '{url}' is not an address to listen on ({error}; e.g. http://0.0.0.0:8080 or https://[::]:443).";
            }
        }

        if (PublicUrl is not null
            && !(Uri.TryCreate(PublicUrl, UriKind.Absolute, out var publicUrl) && (publicUrl.Scheme == Uri.UriSchemeHttp || publicUrl.Scheme == Uri.UriSchemeHttps)))
        {
            yield return $"Ocm:PublicUrl: '{PublicUrl}' is not an http:// or https:// URL.";
        }

        if (!string.Equals(LogFormat, "simple", StringComparison.OrdinalIgnoreCase) && !string.Equals(LogFormat, "json", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"Ocm:LogFormat: '{LogFormat}' is neither 'simple' nor 'json'.";
        }

        if (MaxApiBodyBytes < 1)
        {
            yield return "Ocm:MaxApiBodyBytes must be at least 1.";
        }
    }

    private static string? ListenAddressError(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException ex)
        {
            return ex.Message.TrimEnd('.');
        }

        if (!string.Equals(address.Scheme, "http", StringComparison.OrdinalIgnoreCase) && !string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase))
        {
            return "the scheme must be http or https";
        }

        // Kestrel reads a port it cannot parse as part of the host name, and binds to every address on the scheme's
        // default port instead; a URL check catches that (with "*" and "+", Kestrel's "any address", made a host name).
        var asUrl = url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal);
        return Uri.TryCreate(asUrl, UriKind.Absolute, out _) ? null : "not a URL with a host and a port from 0 to 65535";
    }
}
