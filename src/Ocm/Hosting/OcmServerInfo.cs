using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Ocm.Hosting;

/// <summary>
/// Who this server is to the outside world: its public base URL and the authority (<c>host[:port]</c>) that appears
/// in OCM addresses. When no public URL is configured, the first address Kestrel actually bound is used (this is what
/// makes port 0 work in tests).
/// </summary>
internal sealed class OcmServerInfo(OcmOptions options, string dataDir, IServer server)
{
    private Uri? _publicUrl;

    public string DataDir { get; } = dataDir;

    public string ProviderName => options.ProviderName;

    public Uri PublicUrl => _publicUrl ?? ResolvePublicUrl();

    /// <summary><c>host[:port]</c> as used in OCM addresses and discovery; the port is omitted when it is the scheme's default.</summary>
    public string Authority => PublicUrl.IsDefaultPort ? PublicUrl.IdnHost : $"{PublicUrl.IdnHost}:{PublicUrl.Port}";

    /// <summary>An absolute URL under the public base, e.g. <c>Url("ocm/jwks")</c>.</summary>
    public Uri Url(string relativePath) => new(PublicUrl, relativePath.TrimStart('/'));

    /// <summary>A path under the public base's path prefix, e.g. <c>/dav/ocm/</c> (or <c>/prefix/dav/ocm/</c>).</summary>
    public string Path(string relativePath) => Url(relativePath).AbsolutePath;

    private Uri ResolvePublicUrl()
    {
        if (!string.IsNullOrWhiteSpace(options.PublicUrl))
        {
            return _publicUrl = WithTrailingSlash(new Uri(options.PublicUrl, UriKind.Absolute));
        }

        // Before Kestrel has bound (or for offline commands) the configured URL is the best guess; it is not cached,
        // because with port 0 only the bound address is right.
        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (bound is not null && new Uri(Localize(bound), UriKind.Absolute) is { Port: > 0 } actual)
        {
            return _publicUrl = WithTrailingSlash(actual);
        }

        return WithTrailingSlash(new Uri(Localize(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).First()), UriKind.Absolute));
    }

    private static string Localize(string bound)
    {
        bound = bound.Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal);
        return bound;
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
}
