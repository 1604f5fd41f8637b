using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Ocm.Hosting;
using Ocm.Users;

namespace Ocm.Ui;

/// <summary>Which top-level section a page belongs to (highlighted in the navigation).</summary>
internal enum UiSection
{
    None,
    Files,
    SharedWithMe,
    Contacts,
    Requests,
    Account,
    Admin,
}

internal enum FlashKind
{
    Success,
    Error,
}

/// <summary>
/// One request of the web interface: who is signed in, the anti-forgery token for its forms, the page layout, and
/// the post-redirect-get message ("flash") carried in a short-lived encrypted cookie.
/// </summary>
internal sealed class UiRequest
{
    public const string CsrfField = "_csrf";
    public const string CsrfHeader = "X-CSRF-Token";

    private const string FlashCookie = "ocm_flash";
    private static readonly object ItemKey = new();

    private string? _csrfToken;

    private UiRequest(HttpContext http)
    {
        Http = http;
        Urls = UiUrls.For(http);
        Server = http.RequestServices.GetRequiredService<OcmServerInfo>();
    }

    public HttpContext Http { get; }

    public UiUrls Urls { get; }

    public OcmServerInfo Server { get; }

    /// <summary>The signed-in user (pages behind <see cref="UiSession.Policy"/> always have one).</summary>
    public SignedInUser User => Http.GetSignedInUser();

    public SignedInUser? UserOrNull => Http.Features.Get<SignedInUser>();

    public bool IsAdmin => UserOrNull is not null && Http.User.IsAdmin();

    public CancellationToken Aborted => Http.RequestAborted;

    public static UiRequest For(HttpContext http)
    {
        if (http.Items.TryGetValue(ItemKey, out var cached) && cached is UiRequest request)
        {
            return request;
        }

        request = new UiRequest(http);
        http.Items[ItemKey] = request;
        return request;
    }

    /// <summary>The request token for this user's forms (the matching cookie is set with the page).</summary>
    public string CsrfToken => _csrfToken ??= Http.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(Http).RequestToken!;

    /// <summary>A POST form with its anti-forgery field.</summary>
    public Html Form(string action, Html content, string? cssClass = null, string? confirm = null, string? id = null) => Html.Of(
        $"<form method=\"post\" action=\"{action}\"{Attr("class", cssClass)}{Attr("data-confirm", confirm)}{Attr("id", id)}><input type=\"hidden\" name=\"{CsrfField}\" value=\"{CsrfToken}\">{content}</form>");

    /// <summary>A form that is only a button (revoke, accept, retry…), with hidden fields.</summary>
    public Html ButtonForm(string action, string label, string? cssClass = null, string? confirm = null, params (string Name, string Value)[] fields)
    {
        var hidden = Html.Join(fields.Select(f => Html.Of($"<input type=\"hidden\" name=\"{f.Name}\" value=\"{f.Value}\">")));
        return Form(action, Html.Of($"{hidden}<button type=\"submit\"{Attr("class", cssClass)}>{label}</button>"), "inline", confirm);
    }

    /// <param name="title">The page's title (before the server's name).</param>
    /// <param name="body">The content of <c>main</c>.</param>
    /// <param name="section">The navigation entry to highlight.</param>
    /// <param name="statusCode">The response status.</param>
    /// <param name="subNavigation">A second navigation bar (the admin pages').</param>
    /// <param name="formsMayRedirectAway">
    /// Let the page's forms be redirected to other sites (the WAYF page's form is answered with a redirect to the
    /// invitee's server; CSP <c>form-action</c> also applies to redirects after a submission).
    /// </param>
    /// <param name="framesOwnFiles">Let the page frame this site's own pages (the viewer's PDF, shown by the browser's viewer).</param>
    public IResult Page(
        string title, Html body, UiSection section, int statusCode = StatusCodes.Status200OK, Html? subNavigation = null, bool formsMayRedirectAway = false, bool framesOwnFiles = false) =>
        new HtmlResult(statusCode, Layout(title, body, section, subNavigation ?? Html.Empty), formsMayRedirectAway, framesOwnFiles);

    /// <summary>A page with a heading and one paragraph (errors, "not found", "not allowed").</summary>
    public IResult Message(int statusCode, string title, string text, UiSection section = UiSection.None) =>
        Page(title, Html.Of($"<h1>{title}</h1><p>{text}</p><p><a href=\"{Urls.Home}\">Back to your files</a></p>"), section, statusCode);

    /// <summary>303 to <paramref name="url"/> with a message shown once on the next page.</summary>
    public IResult Redirect(string url, FlashKind kind, string message)
    {
        var protector = Http.RequestServices.GetRequiredService<IDataProtectionProvider>().CreateProtector("Ocm.Ui.Flash");
        var value = protector.Protect((kind == FlashKind.Success ? "s:" : "e:") + message);
        Http.Response.Cookies.Append(FlashCookie, value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = Http.Request.IsHttps,
            Path = Urls.Base,
            MaxAge = TimeSpan.FromMinutes(2),
        });
        return Redirect(url);
    }

    public static IResult Redirect(string url) => new SeeOther(url);

    private Html TakeFlash()
    {
        if (!Http.Request.Cookies.TryGetValue(FlashCookie, out var value) || string.IsNullOrEmpty(value))
        {
            return Html.Empty;
        }

        // Without the web interface (Ocm:Ui:Enabled false) only the invite pages use this layout, and set no messages.
        if (Http.RequestServices.GetService<IDataProtectionProvider>() is not { } protection)
        {
            return Html.Empty;
        }

        Http.Response.Cookies.Delete(FlashCookie, new CookieOptions { Path = Urls.Base });
        string text;
        try
        {
            text = protection.CreateProtector("Ocm.Ui.Flash").Unprotect(value);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return Html.Empty;
        }

        return text.StartsWith("s:", StringComparison.Ordinal)
            ? Html.Of($"<p class=\"flash ok\" role=\"status\" id=\"flash\">{text[2..]}</p>")
            : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"flash\">{text[2..]}</p>");
    }

    private string Layout(string title, Html body, UiSection section, Html subNavigation)
    {
        var assets = Http.RequestServices.GetRequiredService<UiAssets>();
        var user = UserOrNull;
        var navigation = Html.Empty;
        var account = Html.Empty;
        if (user is not null)
        {
            var items = new List<Html>
            {
                NavItem(Urls.Home, "Files", section == UiSection.Files),
                NavItem(Urls.Action("shared-with-me"), "Shared with me", section == UiSection.SharedWithMe),
                NavItem(Urls.Contacts, "Contacts", section == UiSection.Contacts),
                NavItem(Urls.Action("share-requests"), "Requests", section == UiSection.Requests),
                NavItem(Urls.Action("account"), "Account", section == UiSection.Account),
            };
            if (IsAdmin)
            {
                items.Add(NavItem(Urls.Action("admin/users"), "Admin", section == UiSection.Admin));
            }

            navigation = Html.Of($"<nav class=\"main-nav\" aria-label=\"Main\"><ul>{items}</ul></nav>");
            account = Html.Of(
                $"<div class=\"who\"><span class=\"user\" title=\"{user.Name}@{Server.Authority}\">{user.DisplayName ?? user.Name}</span>{Form(Urls.Logout, Html.Raw("<button type=\"submit\" class=\"link\" id=\"logout\">Sign out</button>"), "inline")}</div>");
        }

        var page = Html.Of($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="{(user is null ? "" : CsrfToken)}">
            <title>{title} · {Server.ProviderName}</title>
            <link rel="stylesheet" href="{assets.Url(Urls, "ocm.css")}">
            <script src="{assets.Url(Urls, "ocm.js")}" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top">
            <a class="brand" href="{Urls.Home}">{Server.ProviderName}</a>
            {navigation}
            {account}
            </header>
            {subNavigation}
            <main id="main" tabindex="-1">
            {TakeFlash()}
            {body}
            </main>
            </body>
            </html>
            """);
        return page.Value;
    }

    private static Html NavItem(string href, string label, bool current) =>
        Html.Of($"<li><a href=\"{href}\"{(current ? Html.Raw(" aria-current=\"page\"") : Html.Empty)}>{label}</a></li>");

    private static Html Attr(string name, string? value) =>
        value is null ? Html.Empty : Html.Of($" {Html.Raw(name)}=\"{value}\"");

    /// <summary>A complete HTML page: no caching (it shows private data), no framing, only our own scripts and styles.</summary>
    private sealed class HtmlResult(int statusCode, string html, bool formsMayRedirectAway, bool framesOwnFiles) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var bytes = Encoding.UTF8.GetBytes(html);
            var response = httpContext.Response;
            response.StatusCode = statusCode;
            response.ContentType = "text/html; charset=utf-8";
            response.ContentLength = bytes.Length;
            SecurityHeaders(response, formsMayRedirectAway, framesOwnFiles);
            await response.Body.WriteAsync(bytes, httpContext.RequestAborted);
        }
    }

    public static void SecurityHeaders(HttpResponse response, bool formsMayRedirectAway = false, bool framesOwnFiles = false)
    {
        response.Headers.CacheControl = "no-store";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "same-origin";
        response.Headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
            + (formsMayRedirectAway ? "" : "; form-action 'self'" + Identity.SignInChoice.FormRedirectTargets(response.HttpContext))
            + (framesOwnFiles ? "; frame-src 'self'" : "");
    }

    /// <summary>303 See Other: after a form POST the browser GETs the target (RFC 9110 §15.4.4).</summary>
    private sealed class SeeOther(string url) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = url;
            httpContext.Response.Headers.CacheControl = "no-store";
            return Task.CompletedTask;
        }
    }
}

/// <summary>How values are shown: sizes in binary units, times in UTC with a machine-readable <c>datetime</c>.</summary>
internal static class UiFormat
{
    public static string Bytes(long bytes) => UserCommands.FormatBytes(bytes);

    public static Html Time(DateTimeOffset? time) => time is { } t
        ? Html.Of($"<time datetime=\"{t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}\">{t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}</time>")
        : Html.Raw("<span class=\"muted\">never</span>");

    public static string Date(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
