using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Hosting;
using Ocm.Users;

namespace Ocm.SyncClients;

/// <summary>
/// What Nextcloud and ownCloud clients ask before they sync: <c>/status.php</c> (anonymous) and the OCS endpoints
/// <c>cloud/capabilities</c> and <c>cloud/user</c> under <c>/ocs/v1.php/</c> and <c>/ocs/v2.php/</c> (Basic auth and
/// the <c>OCS-APIREQUEST: true</c> header, which a browser cannot add to a cross-site request).
/// </summary>
internal static class OcsEndpoints
{
    private const long SpaceUnlimited = -3;

    private static readonly string[] SupportedChecksums = ["SHA1"];

    public static IEndpointRouteBuilder MapOcs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/status.php", Status).ExcludeFromDescription();
        foreach (var version in (int[])[1, 2])
        {
            var prefix = $"/ocs/v{version}.php/";
            var ocsVersion = version;
            app.MapGet(prefix + "cloud/capabilities", (HttpContext context, SyncClientsOptions options, OcmServerInfo server) =>
                    Guarded(context, ocsVersion, () => OcsResponse.WriteAsync(context, ocsVersion, 200, "OK", Capabilities(options, server))))
                .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
                .WithDisplayName($"OCS v{version} capabilities")
                .ExcludeFromDescription();
            app.MapGet(prefix + "cloud/user", (HttpContext context, OcmDb db, FileTree files) =>
                    Guarded(context, ocsVersion, async () => await OcsResponse.WriteAsync(context, ocsVersion, 200, "OK", await CurrentUserAsync(context, db, files))))
                .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
                .WithDisplayName($"OCS v{version} user")
                .ExcludeFromDescription();
            app.Map(prefix + "{**rest}", (HttpContext context) => OcsResponse.WriteAsync(context, ocsVersion, 404, "Not found", null))
                .WithDisplayName($"OCS v{version} unknown")
                .ExcludeFromDescription();
        }

        return app;
    }

    /// <summary>The OCS endpoints require <c>OCS-APIREQUEST: true</c> (as Nextcloud does for requests that are not from its own pages).</summary>
    private static Task Guarded(HttpContext context, int ocsVersion, Func<Task> next) =>
        string.Equals(context.Request.Headers["OCS-APIREQUEST"].ToString(), "true", StringComparison.OrdinalIgnoreCase)
            ? next()
            : OcsResponse.WriteAsync(context, ocsVersion, StatusCodes.Status412PreconditionFailed, "The OCS-APIREQUEST: true header is required.", null);

    private static IResult Status(SyncClientsOptions options, OcmServerInfo server) =>
        Results.Json(StatusDocument(options, server), SyncClientsJsonContext.Default.ServerStatus);

    public static ServerStatus StatusDocument(SyncClientsOptions options, OcmServerInfo server) => new(
        Installed: true,
        Maintenance: false,
        NeedsDbUpgrade: false,
        Version: options.CompatibleVersion,
        VersionString: VersionString(options.CompatibleVersion),
        Edition: "",
        ProductName: server.ProviderName,
        ExtendedSupport: false);

    private static string VersionString(string version) => string.Join('.', version.Split('.').Take(3));

    private static OcsObject Capabilities(SyncClientsOptions options, OcmServerInfo server)
    {
        var parts = options.CompatibleVersion.Split('.').Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var status = StatusDocument(options, server);
        return new OcsObject
        {
            {
                "version", new OcsObject
                {
                    { "major", parts[0] },
                    { "minor", parts.Length > 1 ? parts[1] : 0 },
                    { "micro", parts.Length > 2 ? parts[2] : 0 },
                    { "string", status.VersionString },
                    { "edition", "" },
                    { "extendedSupport", false },
                }
            },
            {
                "capabilities", new OcsObject
                {
                    {
                        "core", new OcsObject
                        {
                            { "pollinterval", options.PollIntervalSeconds },
                            { "webdav-root", "remote.php/webdav" },
                            // ownCloud clients that skip status.php read the server's status here.
                            {
                                "status", new OcsObject
                                {
                                    { "installed", true },
                                    { "maintenance", false },
                                    { "needsDbUpgrade", false },
                                    { "version", status.Version },
                                    { "versionstring", status.VersionString },
                                    { "edition", "" },
                                    { "productname", status.ProductName },
                                }
                            },
                        }
                    },
                    // Chunking "1.0" is the MKCOL/PUT/MOVE protocol under remote.php/dav/uploads/ (ChunkedUploadHandler).
                    { "dav", new OcsObject { { "chunking", "1.0" } } },
                    {
                        "files", new OcsObject
                        {
                            { "bigfilechunking", true },
                            { "undelete", false },
                            { "versioning", false },
                            {
                                "chunked_upload", new OcsObject
                                {
                                    { "max_size", options.ChunkSizeBytes },
                                    { "max_parallel_count", 1 },
                                }
                            },
                        }
                    },
                    {
                        "checksums", new OcsObject
                        {
                            { "supportedTypes", SupportedChecksums },
                            { "preferredUploadType", "SHA1" },
                        }
                    },
                }
            },
        };
    }

    private static async Task<OcsObject> CurrentUserAsync(HttpContext context, OcmDb db, FileTree files)
    {
        var user = context.GetSignedInUser();
        var email = await db.Set<User>().AsNoTracking().Where(u => u.Id == user.Id).Select(u => u.Email).FirstOrDefaultAsync(context.RequestAborted);
        var used = await files.UsedBytesAsync(user.Id, context.RequestAborted);
        // Without a quota on a store with no free space to speak of (an object store) Nextcloud answers -3
        // (FileInfo::SPACE_UNLIMITED) for free and total; clients then show no limit rather than "0 B free".
        var free = user.QuotaBytes is long quota ? Math.Max(0, quota - used) : files.Store.AvailableBytes() ?? SpaceUnlimited;
        var total = user.QuotaBytes ?? (free >= 0 ? used + free : SpaceUnlimited);
        var displayName = user.DisplayName ?? user.Name;
        return new OcsObject
        {
            { "enabled", true },
            { "id", user.Name },
            { "display-name", displayName },
            { "displayname", displayName },
            { "email", email ?? "" },
            {
                "quota", new OcsObject
                {
                    { "free", free },
                    { "used", used },
                    { "total", total },
                    { "relative", total <= 0 ? 0d : Math.Round(100d * used / total, 2) },
                    // Nextcloud's -3 means "no quota set".
                    { "quota", user.QuotaBytes ?? -3L },
                }
            },
            { "groups", Array.Empty<string>() },
            { "language", "en" },
        };
    }
}

/// <summary>The <c>status.php</c> document, property names as Nextcloud writes them.</summary>
internal sealed record ServerStatus(
    [property: System.Text.Json.Serialization.JsonPropertyName("installed")] bool Installed,
    [property: System.Text.Json.Serialization.JsonPropertyName("maintenance")] bool Maintenance,
    [property: System.Text.Json.Serialization.JsonPropertyName("needsDbUpgrade")] bool NeedsDbUpgrade,
    [property: System.Text.Json.Serialization.JsonPropertyName("version")] string Version,
    [property: System.Text.Json.Serialization.JsonPropertyName("versionstring")] string VersionString,
    [property: System.Text.Json.Serialization.JsonPropertyName("edition")] string Edition,
    [property: System.Text.Json.Serialization.JsonPropertyName("productname")] string ProductName,
    [property: System.Text.Json.Serialization.JsonPropertyName("extendedSupport")] bool ExtendedSupport);

[System.Text.Json.Serialization.JsonSerializable(typeof(ServerStatus))]
[System.Text.Json.Serialization.JsonSerializable(typeof(ChunkedUploadInfo))]
internal sealed partial class SyncClientsJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
