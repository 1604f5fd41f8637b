using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Ocm.Ui;

/// <summary>
/// The interface's stylesheet and script, embedded in the executable (no build step, no CDN, nothing to deploy
/// beside <c>ocm</c>). URLs carry a content hash, so browsers may cache them for a year and still never see a stale file.
/// </summary>
internal sealed class UiAssets
{
    private const string ResourcePrefix = "Ocm.Ui.Assets.";

    private readonly FrozenDictionary<string, Asset> _assets;

    public UiAssets()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            var bytes = memory.ToArray();
            var name = resource[ResourcePrefix.Length..];
            var version = Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
            var contentType = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                _ => "application/octet-stream",
            };
            assets[name] = new Asset(bytes, contentType, version, new EntityTagHeaderValue("\"" + version + "\""));
        }

        _assets = assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public string Url(UiUrls urls, string name) =>
        _assets.TryGetValue(name, out var asset) ? urls.Asset(name, asset.Version) : throw new InvalidOperationException($"No UI asset '{name}'.");

    /// <summary><c>GET /ui/static/{name}</c>: conditional requests answered with 304 by the file result.</summary>
    public IResult Serve(string name, HttpContext context)
    {
        if (!_assets.TryGetValue(name, out var asset))
        {
            return TypedResults.NotFound();
        }

        context.Response.Headers.CacheControl = context.Request.Query["v"] == asset.Version
            ? "public, max-age=31536000, immutable"
            : "no-cache";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Bytes(asset.Bytes, asset.ContentType, entityTag: asset.ETag);
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string Version, EntityTagHeaderValue ETag);
}
