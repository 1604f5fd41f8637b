using System.Net;
using System.Text;
using Ocm.Hosting;

namespace Ocm.Invites;

/// <summary>
/// A server-rendered HTML page (no scripts): the invite pages' layout, encoded output and the security headers they
/// need. The invite token travels in URLs, so no referrer leaves our origin (<c>same-origin</c> rather than
/// <c>no-referrer</c>, which would make browsers send <c>Origin: null</c> with the accept form); nothing may frame them.
/// </summary>
internal sealed class HtmlPage(int statusCode, string title, string body, string stylesheet, bool restrictFormTargets) : IResult
{
    /// <summary>HTML-encodes text for element content and attribute values.</summary>
    public static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static HtmlPage Create(OcmServerInfo server, int statusCode, string title, string body, bool restrictFormTargets = true) =>
        new(statusCode, title, body, server.Path(InvitePaths.Stylesheet), restrictFormTargets);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var html = $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="same-origin">
            <title>{H(title)}</title>
            <link rel="stylesheet" href="{H(stylesheet)}">
            </head>
            <body>
            <main>
            {body}
            </main>
            </body>
            </html>
            """;
        var bytes = Encoding.UTF8.GetBytes(html);
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/html; charset=utf-8";
        response.ContentLength = bytes.Length;
        response.Headers.CacheControl = "no-store";
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";

        // The WAYF form submits to us and is then redirected to the invitee's server: form-action would block that hop.
        var formAction = restrictFormTargets ? " form-action 'self';" : "";
        response.Headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'self'; base-uri 'none'; frame-ancestors 'none';{formAction}";
        await response.Body.WriteAsync(bytes, httpContext.RequestAborted);
    }

    /// <summary>The invite pages' stylesheet, served from the app (no build step, no CDN).</summary>
    public const string Stylesheet = """
        :root { color-scheme: light dark; --accent: #1f6feb; --muted: #6e7781; --error: #cf222e; --ok: #1a7f37; }
        body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 2rem 1rem; }
        main { max-width: 36rem; margin: 0 auto; }
        h1 { font-size: 1.5rem; margin: 0 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
        h3 { font-size: 1rem; margin: 1rem 0 .25rem; color: var(--muted); }
        ul.servers { list-style: none; padding: 0; margin: 0; }
        ul.servers li { margin: .25rem 0; }
        ul.servers a { display: block; padding: .6rem .8rem; border: 1px solid var(--muted); border-radius: .4rem; text-decoration: none; color: inherit; }
        ul.servers a:hover, ul.servers a:focus { border-color: var(--accent); }
        .host { color: var(--muted); font-size: .9rem; }
        label { display: block; margin: .5rem 0 .25rem; }
        input[type=text] { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; }
        button { font: inherit; padding: .5rem 1rem; margin: .75rem .5rem 0 0; border-radius: .4rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary { background: transparent; color: inherit; border-color: var(--muted); }
        .error { color: var(--error); }
        .ok { color: var(--ok); }
        code { word-break: break-all; }
        """;
}
