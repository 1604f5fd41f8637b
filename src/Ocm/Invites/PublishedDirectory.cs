using System.Security.Cryptography;

namespace Ocm.Invites;

/// <summary>
/// Publishes a signed directory list (OCM Appendix C) made with <c>ocm directory sign</c>: <c>GET /directory.jws</c>,
/// anonymous, <c>application/jose+json</c> (RFC 7515 §9.2.1). The file named by
/// <see cref="InvitesOptions.PublishedDirectoryFile"/> is served as it is — the server never holds the signing key —
/// and read again when it changes, so a re-signed list is published without a restart.
/// </summary>
internal sealed class PublishedDirectory(InvitesOptions options, TimeProvider time)
{
    public const string Path = "directory.jws";

    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Snapshot? _current;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.PublishedDirectoryFile);

    /// <summary>The document to serve, or why it cannot be (the file went missing or no longer holds a directory list).</summary>
    public (Snapshot? Document, string? Error) Current()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_current is not null && now - _current.CheckedAt < CheckEvery)
            {
                return (_current, null);
            }
        }

        var file = new FileInfo(options.PublishedDirectoryFile!);
        if (!file.Exists)
        {
            return (null, "the published directory list is missing on this server");
        }

        lock (_gate)
        {
            if (_current is not null && _current.Modified == file.LastWriteTimeUtc && _current.Length == file.Length)
            {
                _current = _current with { CheckedAt = now };
                return (_current, null);
            }
        }

        var bytes = File.ReadAllBytes(file.FullName);
        if (!DirectoryJws.TryReadUnverified(bytes, out var error))
        {
            return (null, "the published directory list cannot be served: " + error);
        }

        var snapshot = new Snapshot(bytes, "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..32] + "\"", file.LastWriteTimeUtc, file.Length, now);
        lock (_gate)
        {
            _current = snapshot;
        }

        return (snapshot, null);
    }

    public sealed record Snapshot(byte[] Bytes, string ETag, DateTime Modified, long Length, DateTimeOffset CheckedAt);
}

internal static class PublishedDirectoryEndpoint
{
    public static IEndpointRouteBuilder MapPublishedDirectory(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + PublishedDirectory.Path, (HttpContext context, PublishedDirectory directory) =>
        {
            if (!directory.IsConfigured)
            {
                return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: "This server publishes no directory list (Ocm:Invites:PublishedDirectoryFile is not set).");
            }

            var (document, error) = directory.Current();
            if (document is null)
            {
                Hosting.RetryAfter.Set(context.Response, TimeSpan.FromMinutes(5));
                return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service Unavailable", detail: error);
            }

            context.Response.Headers.ETag = document.ETag;
            context.Response.Headers.CacheControl = "public, max-age=300";
            if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == document.ETag || tag.Trim() == "*")))
            {
                return Results.StatusCode(StatusCodes.Status304NotModified);
            }

            return Results.Bytes(document.Bytes, "application/jose+json");
        }).ExcludeFromDescription();
        return app;
    }
}
