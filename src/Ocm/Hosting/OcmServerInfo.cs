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

    public Uri PublicUrl => _publicUrl ??= ResolvePublicUrl();

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
            return WithTrailingSlash(new Uri(options.PublicUrl, UriKind.Absolute));
        }

        var bound = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).First();
        bound = bound.Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal)
            .Replace("://[::]", "://localhost", StringComparison.Ordinal)
            .Replace("://+", "://localhost", StringComparison.Ordinal)
            .Replace("://*", "://localhost", StringComparison.Ordinal);
        return WithTrailingSlash(new Uri(bound, UriKind.Absolute));
    }

    private static Uri WithTrailingSlash(Uri uri) =>
        uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.GetLeftPart(UriPartial.Path) + "/");
}
