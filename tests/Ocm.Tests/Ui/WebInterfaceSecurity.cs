using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Users;

namespace Ocm.Tests.Ui;

/// <summary>
/// What keeps the web interface safe, checked over plain HTTP: anti-forgery tokens on every form, sessions that end
/// when the account changes, admin pages for admins only, throttled sign-in, encoded output, sandboxed downloads,
/// private key files.
/// </summary>
public sealed class WebInterfaceSecurity(UiServerFixture fixture) : IClassFixture<UiServerFixture>
{
    [Fact]
    public async Task EveryFormPost_WithoutAntiforgeryToken_IsRefused()
    {
        var admin = await fixture.NewUserAsync(admin: true);
        using var session = await UiHttpSession.SignInAsync(admin);
        var posts = fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/ui", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Contains("POST") == true)
            .ToList();
        Assert.True(posts.Count >= 20, $"only {posts.Count} POST endpoints found: {string.Join(", ", posts.Select(e => e.RoutePattern.RawText))}");

        foreach (var endpoint in posts)
        {
            var pattern = endpoint.RoutePattern.RawText!;
            var url = pattern.Replace("{id:long}", "1", StringComparison.Ordinal).Replace("{name}", admin.Name, StringComparison.Ordinal)
                .Replace("{providerId}", "forged", StringComparison.Ordinal).TrimStart('/');
            if (url.StartsWith("ui/upload", StringComparison.Ordinal))
            {
                url += "?dir=%2F";
            }

            using var content = new MultipartFormDataContent { { new StringContent("forged"), "name" }, { new StringContent("/"), "dir" } };
            using var response = await session.Client.PostAsync(url, content);

            // The web app launch comes from the recipient's server by design, so it holds its own credential instead of
            // our token: without that credential (a signed-in session does not count) it is refused all the same. The web
            // app's other forms need the web app's own session first (401 here; a save in that session without the token
            // is refused in OfferingFilesAsWebApps).
            var expected = endpoint.Metadata.GetMetadata<Ocm.Ui.CrossSiteFormEntry>() is not null || pattern.StartsWith("/ui/webapp/", StringComparison.Ordinal)
                ? HttpStatusCode.Unauthorized
                : HttpStatusCode.BadRequest;
            Assert.True(response.StatusCode == expected, $"POST {url} without a token answered {(int)response.StatusCode}, not {(int)expected}");
        }

        Assert.DoesNotContain("forged", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ui/files/")]
    [InlineData("ui/account")]
    [InlineData("ui/shared-with-me")]
    [InlineData("ui/contacts")]
    [InlineData("ui/admin/users")]
    public async Task Page_WithoutSession_RedirectsToSignIn(string page)
    {
        using var anonymous = UiHttpSession.Anonymous(await fixture.NewUserAsync());

        using var response = await anonymous.Client.GetAsync(page);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/ui/login", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://evil.example/ui/files/")]
    [InlineData("//evil.example/ui/files/")]
    [InlineData("/\\evil.example/ui/files/")]
    [InlineData("http:evil.example")]
    [InlineData("ui/contacts")]
    public async Task SignIn_ReturnsOnlyToAddressesOnThisServer(string returnUrl)
    {
        var user = await fixture.NewUserAsync();
        using var anonymous = UiHttpSession.Anonymous(user);
        Assert.DoesNotContain("evil.example", await anonymous.GetPageAsync("ui/login?returnUrl=" + Uri.EscapeDataString(returnUrl)), StringComparison.Ordinal);

        using var response = await anonymous.SubmitLoginAsync(user.Name, user.Password, returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/ui/files/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task SignIn_ReturnsToThePageAskedFor_QueryIncluded()
    {
        var user = await fixture.NewUserAsync();
        using var anonymous = UiHttpSession.Anonymous(user);
        using (var asked = await anonymous.Client.GetAsync("ui/files/?sort=size&desc=1"))
        {
            Assert.Equal("/ui/login?returnUrl=" + Uri.EscapeDataString("/ui/files/?sort=size&desc=1"), asked.Headers.Location!.OriginalString);
        }

        using var response = await anonymous.SubmitLoginAsync(user.Name, user.Password, returnUrl: "/ui/files/?sort=size&desc=1");

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/ui/files/?sort=size&desc=1", response.Headers.Location!.OriginalString);
    }

    [Theory]
    [InlineData("ui/admin/users")]
    [InlineData("ui/admin/peers")]
    [InlineData("ui/admin/outbox")]
    [InlineData("ui/admin/keys")]
    [InlineData("ui/admin/trust")]
    public async Task AdminPage_ForOrdinaryUser_IsForbidden(string page)
    {
        using var session = await UiHttpSession.SignInAsync(await fixture.NewUserAsync());

        using var response = await session.Client.GetAsync(page);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("for administrators", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(">Admin<", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_EndsAtOnce_WhenTheUserIsDisabled()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);
        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("ui/files/")).StatusCode);

        await WithAccountsAsync(accounts => accounts.SetDisabledAsync(user.Name, true, CancellationToken.None));

        using var response = await session.Client.GetAsync("ui/files/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/ui/login", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Session_Ends_WhenThePasswordChanges_ButNotWhenAnAppPasswordIsRevoked()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);
        using (var created = await session.PostFormAsync("ui/account/app-passwords", ("label", "phone")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        var id = await WithAccountsAsync(async accounts => (await accounts.ListAppPasswordsAsync(user.Name, CancellationToken.None)).Single().Id);
        using (var revoked = await session.PostFormAsync($"ui/account/app-passwords/{id}/revoke"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, revoked.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await session.Client.GetAsync("ui/account")).StatusCode);

        await WithAccountsAsync(accounts => accounts.SetPasswordAsync(user.Name, "a-new-password", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Redirect, (await session.Client.GetAsync("ui/account")).StatusCode);
    }

    [Fact]
    public async Task AppPassword_SignsInWebDav_ButNotTheWebInterface()
    {
        var user = await fixture.NewUserAsync();
        var (_, appPassword) = await WithAccountsAsync(accounts => accounts.AddAppPasswordAsync(user.Name, "sync", CancellationToken.None));
        using var anonymous = UiHttpSession.Anonymous(user);

        using var web = await anonymous.SubmitLoginAsync(user.Name, appPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, web.StatusCode);
        Assert.Contains("app password", await web.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var dav = new HttpRequestMessage(new HttpMethod("PROPFIND"), $"dav/files/{user.Name}/");
        dav.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user.Name}:{appPassword}")));
        dav.Headers.Add("Depth", "0");
        using var davResponse = await anonymous.Client.SendAsync(dav);
        Assert.Equal(HttpStatusCode.MultiStatus, davResponse.StatusCode);
    }

    [Fact]
    public async Task SignIn_AfterRepeatedFailures_IsThrottledEvenWithTheRightPassword()
    {
        var user = await fixture.NewUserAsync();
        using var anonymous = UiHttpSession.Anonymous(user);
        for (var i = 0; i < 3; i++)
        {
            using var failed = await anonymous.SubmitLoginAsync(user.Name, "wrong-password-" + i);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var throttled = await anonymous.SubmitLoginAsync(user.Name, user.Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.Contains("Too many failed sign-ins", await throttled.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RememberMe_IssuesAPersistentCookie_OtherwiseABrowserSessionCookie()
    {
        var user = await fixture.NewUserAsync();
        using var plain = UiHttpSession.Anonymous(user);
        using var remembered = UiHttpSession.Anonymous(user);

        using var session = await plain.SubmitLoginAsync(user.Name, user.Password);
        using var persistent = await remembered.SubmitLoginAsync(user.Name, user.Password, remember: true);

        var sessionCookie = session.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ocm_session=", StringComparison.Ordinal));
        var persistentCookie = persistent.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ocm_session=", StringComparison.Ordinal));
        Assert.DoesNotContain("expires=", sessionCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expires=", persistentCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", persistentCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", persistentCookie, StringComparison.OrdinalIgnoreCase);
        var expires = DateTimeOffset.Parse(persistentCookie.Split(';').Single(p => p.Trim().StartsWith("expires=", StringComparison.OrdinalIgnoreCase)).Trim()[8..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expires, DateTimeOffset.UtcNow.AddDays(29), DateTimeOffset.UtcNow.AddDays(31));
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task SignIn_ReturnUrlOffSite_GoesToFilesInstead(string returnUrl)
    {
        var user = await fixture.NewUserAsync();
        using var anonymous = UiHttpSession.Anonymous(user);

        using var response = await anonymous.SubmitLoginAsync(user.Name, user.Password, returnUrl: returnUrl);

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        Assert.Equal("/ui/files/", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task DataProtectionKeys_AreKeptInTheDatabaseSealed()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);

        await using var scope = fixture.Server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>();
        var keys = await db.Set<Ocm.Ui.DataProtectionKeyRecord>().AsNoTracking().ToListAsync();
        Assert.NotEmpty(keys);
        Assert.All(keys, key =>
        {
            Assert.StartsWith("v1:", key.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("masterKey", key.Xml, StringComparison.Ordinal);
        });
        Assert.False(Directory.Exists(Path.Combine(fixture.Server.DataDir, "keys")), "keys were written to the data directory");
    }

    [Fact]
    public async Task FileNames_AreShownAsText_NeverAsMarkup()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);
        const string name = "<img src=x onerror=alert(1)>\".txt";
        await UploadAsync(session, name, "x"u8.ToArray());

        var html = await session.GetPageAsync("ui/files/");

        Assert.DoesNotContain("<img src=x", html, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(1)&gt;&quot;.txt", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Download_IsAnAttachment_Sandboxed_WithRanges()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);
        var content = "<html><script>alert(document.cookie)</script></html>"u8.ToArray();
        await UploadAsync(session, "page.html", content);

        using var response = await session.Client.GetAsync("ui/download/page.html");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        Assert.Contains("sandbox", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        using var range = new HttpRequestMessage(HttpMethod.Get, "ui/download/page.html");
        range.Headers.Range = new RangeHeaderValue(0, 5);
        using var partial = await session.Client.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal("<html>", await partial.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_AreNotCached_NotFramed_AndRunOnlyOwnScripts()
    {
        using var session = await UiHttpSession.SignInAsync(await fixture.NewUserAsync());

        using var response = await session.Client.GetAsync("ui/files/");

        Assert.Equal("no-store", response.Headers.CacheControl!.ToString());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("form-action 'self'", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadWithoutScript_StoresEveryFile_AndReplacesOnlyWhenAsked()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);
        var big = new byte[5 * 1024 * 1024];
        Random.Shared.NextBytes(big);

        using (var first = await PostUploadFormAsync(session, overwrite: false, ("big.bin", big), ("small.txt", "one"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.SeeOther, first.StatusCode);
        }

        Assert.Contains("Uploaded 2 files.", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
        Assert.Equal(big, await session.Client.GetByteArrayAsync("ui/download/big.bin"));

        using (var again = await PostUploadFormAsync(session, overwrite: false, ("small.txt", "two"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.SeeOther, again.StatusCode);
        }

        Assert.Contains("already exists here", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
        Assert.Equal("one", await session.Client.GetStringAsync("ui/download/small.txt"));

        using (var replace = await PostUploadFormAsync(session, overwrite: true, ("small.txt", "two"u8.ToArray())))
        {
            Assert.Equal(HttpStatusCode.SeeOther, replace.StatusCode);
        }

        Assert.Equal("two", await session.Client.GetStringAsync("ui/download/small.txt"));
    }

    [Fact]
    public async Task ScriptUpload_OverQuota_IsRefusedWithTheReason()
    {
        var user = await fixture.NewUserAsync(quotaBytes: 1000);
        using var session = await UiHttpSession.SignInAsync(user);

        using var response = await UploadAsync(session, "too-big.bin", new byte[2000], expectSuccess: false);

        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Contains("does not fit in your storage quota", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("too-big.bin", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_WhoseMultipartBodyIsCutShort_IsA400_AndStoresNothing()
    {
        var user = await fixture.NewUserAsync();
        using var session = await UiHttpSession.SignInAsync(user);
        var token = await session.TokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/upload?dir=%2F");
        request.Headers.Add("X-CSRF-Token", token);
        request.Content = new StringContent("--xyz\r\nContent-Disposition: form-data; name=\"files\"; filename=\"cut.txt\"\r\n\r\nhalf a fi");
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=xyz");

        using var response = await session.Client.SendAsync(request);

        // The multipart reader gives up at the missing boundary: the client's fault (it was a 500).
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("The form could not be read", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain("cut.txt", await session.GetPageAsync("ui/files/"), StringComparison.Ordinal);
    }

    /// <summary>As the page's script uploads: one file, token in the header, JSON back.</summary>
    private static async Task<HttpResponseMessage> UploadAsync(UiHttpSession session, string name, byte[] content, bool expectSuccess = true)
    {
        var token = await session.TokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "ui/upload?dir=%2F");
        request.Headers.Add("X-CSRF-Token", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var file = new ByteArrayContent(content);
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"files\"", FileNameStar = name };
        request.Content = new MultipartFormDataContent { file };
        var response = await session.Client.SendAsync(request);
        if (expectSuccess)
        {
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"upload of {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    /// <summary>As the form posts without scripts: the token first, then the replace checkbox, then the files.</summary>
    private static async Task<HttpResponseMessage> PostUploadFormAsync(UiHttpSession session, bool overwrite, params (string Name, byte[] Content)[] files)
    {
        var token = await session.TokenAsync();
        var content = new MultipartFormDataContent { { new StringContent(token), "_csrf" } };
        if (overwrite)
        {
            content.Add(new StringContent("1"), "overwrite");
        }

        foreach (var (name, bytes) in files)
        {
            content.Add(new ByteArrayContent(bytes), "files", name);
        }

        return await session.Client.PostAsync("ui/upload?dir=%2F", content);
    }

    private async Task WithAccountsAsync(Func<UserAccounts, Task> action)
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        await action(scope.ServiceProvider.GetRequiredService<UserAccounts>());
    }

    private async Task<T> WithAccountsAsync<T>(Func<UserAccounts, Task<T>> action)
    {
        await using var scope = fixture.Server.Services.CreateAsyncScope();
        return await action(scope.ServiceProvider.GetRequiredService<UserAccounts>());
    }
}
