using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// The webapp protocol (OCM §Share Creation Notification › webapp; §Resource Access step 6) in a real Chromium. Two of
/// our servers: alice on A shares readme.md with bob on B; bob accepts it on B's pages, presses "Open", B exchanges the
/// secret for a token and his browser posts it to A's viewer, where he edits the Markdown, and alice finds his text. A
/// CERNBox-shaped (Reva) sender's webapp share opens the same way: its web app receives the exchanged token in a POSTed
/// form, never the secret and never in the address.
/// </summary>
public sealed class OpeningSharesInWebApps(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task BobOpensAlicesMarkdownInHerServersWebApp_EditsIt_AndAliceSeesTheChange()
    {
        var settings = UiPageExtensions.Settings(("Ocm:Trust:QuarantineUnknownSenders", "false"));
        await using var a = await OcmTestServer.StartAsync("127.0.33.40", settings);
        await using var b = await OcmTestServer.StartAsync("127.0.33.41", settings);
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        using var aliceApi = alice.ApiClient();
        await aliceApi.PutFileAsync("alice", "readme.md", "# Plan\n\nFirst draft.\n");
        await aliceApi.PostJsonAsync("api/v1/shares", new { path = "/readme.md", shareWith = bob.Address, permissions = new[] { "read", "write" } }, 201);

        var page = await browser.NewPageAsync(b);
        await page.SignInAsync(bob);
        await page.GotoAsync("ui/shared-with-me");
        await page.Locator("form[action$='/accept'] button").WaitForAsync();
        await page.ClickAsync("form[action$='/accept'] button");
        Assert.Contains("Accepted", await page.FlashAsync(), StringComparison.Ordinal);

        // "Open": B exchanges the secret, the browser posts the token to A's web app and lands on the viewer there.
        await page.ClickAsync("#accepted form[action$='/webapp'] button");
        await page.Locator("#viewer-markdown").WaitForAsync();
        Assert.StartsWith(a.BaseUri.AbsoluteUri + "ui/webapp/", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain("token", page.Url, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("Plan", await page.InnerTextAsync("#viewer-markdown h1"));

        await page.ClickAsync("#edit");
        await page.FillAsync("#content", "# Plan\n\nSecond draft, by Bob.\n");
        await page.ClickAsync("#save");
        Assert.Contains("Saved", await page.FlashAsync(), StringComparison.Ordinal);
        Assert.Contains("Second draft, by Bob.", await page.InnerTextAsync("#viewer-markdown"), StringComparison.Ordinal);

        Assert.Equal("# Plan\n\nSecond draft, by Bob.\n", await aliceApi.GetStringAsync("dav/files/alice/readme.md"));
    }

    [Fact]
    public async Task AWebAppShareFromACernBoxShapedSender_OpensWithAnExchangedTokenPostedToItsApp()
    {
        var tokenRequests = new List<string>();
        var appPosts = new List<string>();
        await using var cernbox = await FakeOcmPeer.StartAsync("127.0.33.43", async (context, body) =>
        {
            var path = context.Request.Path.Value ?? "";
            if (path == "/ocm/token")
            {
                lock (tokenRequests)
                {
                    tokenRequests.Add(body);
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("""{"access_token":"reva-jwt-for-bob","token_type":"Bearer","expires_in":3600}""");
                return;
            }

            if (path.StartsWith("/apps/open/", StringComparison.Ordinal) && context.Request.Method == "POST")
            {
                lock (appPosts)
                {
                    appPosts.Add(body);
                }

                context.Response.ContentType = "text/html";
                await context.Response.WriteAsync("<!DOCTYPE html><title>CERNBox app</title><h1 id=\"cernbox-app\">CERNBox editor</h1>");
                return;
            }

            context.Response.StatusCode = 404;
        }, (document, baseUri) =>
        {
            document["capabilities"] = new JsonArray("exchange-token", "protocol-object");
            document["tokenEndPoint"] = new Uri(baseUri, "ocm/token").ToString();
        });

        await using var b = await OcmTestServer.StartAsync("127.0.33.42", UiPageExtensions.Settings(("Ocm:Trust:QuarantineUnknownSenders", "false")));
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        var appUri = $"http://{cernbox.Authority}/apps/open/d41d8cd9";

        // What Reva sends (cs3org/reva ocmshareprovider): multi, an absolute WebDAV uri, and a webapp in the POST model.
        using var peer = new HttpClient { BaseAddress = b.BaseUri };
        using (var offered = await peer.PostAsync("ocm/shares", new StringContent($$$"""
            {"shareWith":"{{{bob.Address}}}","name":"notes.md","providerId":"d41d8cd9","owner":"einstein@{{{cernbox.Authority}}}",
             "sender":"einstein@{{{cernbox.Authority}}}","shareType":"user","resourceType":"file",
             "protocol":{"name":"multi","options":{},
               "webdav":{"uri":"http://{{{cernbox.Authority}}}/remote.php/dav/ocm/d41d8cd9","sharedSecret":"dav-secret","permissions":["read"],"requirements":["must-exchange-token"]},
               "webapp":{"uri":"{{{appUri}}}","viewMode":"write","sharedSecret":"app-secret","permissions":["write"],"targets":["blank"],"requirements":["must-exchange-token"]} } }
            """, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, offered.StatusCode);
        }

        // Bad webapp objects: a missing uri is named in a 400, a legacy one with an unknown viewMode is ignored (the share arrives).
        using (var missingUri = await peer.PostAsync("ocm/shares", new StringContent($$$"""
            {"shareWith":"{{{bob.Address}}}","name":"a.md","providerId":"bad1","owner":"einstein@{{{cernbox.Authority}}}","sender":"einstein@{{{cernbox.Authority}}}",
             "shareType":"user","resourceType":"file","protocol":{"name":"multi",
               "webdav":{"uri":"https://{{{cernbox.Authority}}}/dav/bad1","sharedSecret":"s","permissions":["read"]},
               "webapp":{"sharedSecret":"s","permissions":["read"],"targets":["blank"],"requirements":["must-exchange-token"]} } }
            """, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, missingUri.StatusCode);
            Assert.Contains("protocol.webapp.uri", await missingUri.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var oddViewMode = await peer.PostAsync("ocm/shares", new StringContent($$$"""
            {"shareWith":"{{{bob.Address}}}","name":"b.md","providerId":"odd1","owner":"einstein@{{{cernbox.Authority}}}","sender":"einstein@{{{cernbox.Authority}}}",
             "shareType":"user","resourceType":"file","protocol":{"name":"multi",
               "webdav":{"uri":"https://{{{cernbox.Authority}}}/dav/odd1","sharedSecret":"s2","permissions":["read"]},
               "webapp":{"uriTemplate":"{{{appUri}}}","viewMode":"annotate"} } }
            """, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(System.Net.HttpStatusCode.Created, oddViewMode.StatusCode);
        }

        var page = await browser.NewPageAsync(b);
        await page.SignInAsync(bob);
        await page.GotoAsync("ui/shared-with-me");
        foreach (var name in new[] { "notes.md", "b.md" })
        {
            var card = page.Locator("li", new() { HasText = name }).Last;
            await card.Locator("form[action$='/accept'] button").ClickAsync();
            await page.Locator("#flash").WaitForAsync();
        }

        // Only the share with a usable web app has "Open".
        Assert.Equal(1, await page.Locator("#accepted form[action$='/webapp']").CountAsync());
        await page.ClickAsync("#accepted form[action$='/webapp'] button");
        await page.Locator("#cernbox-app").WaitForAsync();

        // B exchanged the web app's own secret (signed, OCM §Code Flow) and posted only the token to the app.
        Assert.Equal(appUri, page.Url);
        var exchange = Assert.Single(tokenRequests);
        Assert.Contains("code=app-secret", exchange, StringComparison.Ordinal);
        Assert.Contains("grant_type=authorization_code", exchange, StringComparison.Ordinal);
        var posted = Assert.Single(appPosts);
        Assert.Contains("access_token=reva-jwt-for-bob", posted, StringComparison.Ordinal);
        Assert.Contains("expired_session_redirect_uri=" + Uri.EscapeDataString(b.BaseUri.AbsoluteUri), posted, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", posted, StringComparison.Ordinal);
    }
}
