using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Ocm.Data;
using Ocm.Files;
using Ocm.Shares;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.Ui;

/// <summary>
/// The whole story in a real Chromium: Alice signs in on server A (127.0.0.80), uploads a file watching its progress
/// bar, shares it with Bob on server B (127.0.0.81); Bob accepts it on B's pages; Alice sees it accepted and revokes
/// it, and it is gone for Bob. A's administrator sees B among the peers, and a delivery to a failing third server in
/// the outbox, which "retry now" delivers once that server answers. Screenshots of every main page are taken on the way.
/// A second story browses a received folder share on B; a third connects Alice and Bob by an invite on the Contacts page.
/// </summary>
public sealed class SharingAcrossTwoServersInTheBrowser(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private const int UploadBytes = 16 * 1024 * 1024;

    /// <summary>A file name with no place to break a line (no space, no hyphen), longer than a phone is wide.</summary>
    private const string LongName = "HumidityAndTemperatureReadingsFromTheNorthRidgeWeatherStation2026.csv";

    [Fact]
    public async Task Upload_Share_AcceptOnB_RevokeOnA_AdminSeesPeerAndOutbox()
    {
        var peerAccepts = false;
        await using var failing = await FakeOcmPeer.StartAsync("127.0.0.82", (context, _) =>
        {
            context.Response.StatusCode = Volatile.Read(ref peerAccepts) ? 201 : 503;
            return Task.CompletedTask;
        });

        // A retries slowly, so the failing delivery waits for "retry now"; first attempts are immediate anyway.
        await using var a = await OcmTestServer.StartAsync("127.0.0.80", UiPageExtensions.Settings(
            ("Ocm:ProviderName", "University A"), ("Ocm:Delivery:InitialRetrySeconds", "300"), ("Ocm:Delivery:MaxRetrySeconds", "300")));
        await using var b = await OcmTestServer.StartAsync("127.0.0.81", UiPageExtensions.Settings(("Ocm:ProviderName", "Lab B")));
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell", quotaBytes: 1L << 30);
        var root = await UiUser.AddAsync(a, "root", "Server Admin", admin: true);
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        await UiUser.AddAsync(a, "maximilianalexandervonhumboldtuniversitaetberlin", "Maximilian Alexander von Humboldt-Universitätsbibliothek");

        // Bob knows Alice: he put her in his contacts, so B's trust policy offers her shares normally. Dave, also on
        // A, is a stranger to him: his share lands in quarantine ("from unknown senders").
        using (var bobApi = bob.ApiClient())
        {
            await bobApi.PostJsonAsync("api/v1/contacts", new { address = alice.Address, name = "Alice Liddell" }, 201);
        }

        using var dave = await a.CreateUserAsync("dave", "Dave Stranger");
        await dave.PutFileAsync("dave", "notes.txt", "meeting notes");
        var carol = "carol@" + failing.Authority;
        var shots = Screenshots.Create();

        // --- Alice signs in on A (a wrong password first) ---
        var page = await browser.NewPageAsync(a);
        page.AcceptDialogs();
        await page.GotoAsync("ui/files/");
        Assert.Contains("/ui/login", page.Url, StringComparison.Ordinal);
        await shots.CaptureAsync(page, "login");
        await page.FillAsync("#user", "alice");
        await page.FillAsync("#password", "not-her-password");
        await page.ClickAsync("#sign-in");
        Assert.Contains("Wrong user name or password", await page.InnerTextAsync("#login-error"), StringComparison.Ordinal);
        await page.SignInAsync(alice);
        Assert.Equal("Files", await page.InnerTextAsync("#folder-title"));

        await page.FillAsync("#folder-name", "Project plans");
        await page.ClickAsync("#create-folder");
        Assert.Contains("Project plans", await page.FlashAsync(), StringComparison.Ordinal);

        // --- Upload two files, watching the progress bars ---
        await page.EvaluateAsync("""
            () => {
              window.progressSeen = [];
              new MutationObserver(changes => changes.forEach(change => {
                const bar = change.target;
                window.progressSeen.push({ name: bar.closest('li').dataset.name, value: bar.value, max: bar.max, state: bar.closest('li').className });
              })).observe(document.getElementById('uploads'), { attributes: true, subtree: true, attributeFilter: ['value'] });
            }
            """);
        var report = RandomNumberGenerator.GetBytes(UploadBytes);
        await page.SetInputFilesAsync("#files", new[]
        {
            new FilePayload { Name = "report.bin", MimeType = "application/octet-stream", Buffer = report },
            new FilePayload { Name = "notes.txt", MimeType = "text/plain", Buffer = "meeting notes"u8.ToArray() },
        });
        await page.Locator("#uploads li[data-name='report.bin'].done").WaitForAsync();
        await page.Locator("#uploads li[data-name='notes.txt'].done").WaitForAsync();

        var seen = (await page.EvaluateAsync<JsonElement>("() => window.progressSeen")).EnumerateArray()
            .Where(p => p.GetProperty("name").GetString() == "report.bin").ToList();
        Assert.Contains(seen, p => p.GetProperty("state").GetString() == "running" && p.GetProperty("value").GetDouble() > 0);
        Assert.Equal(UploadBytes, await page.EvalOnSelectorAsync<double>("#uploads li[data-name='report.bin'] progress", "bar => bar.value"));
        Assert.Contains("Uploaded, 16 MiB", await page.InnerTextAsync("#uploads li[data-name='report.bin']"), StringComparison.Ordinal);

        // The list is refreshed from the server; what is stored is exactly what was sent.
        await page.Locator("#listing tr[data-name='report.bin']").WaitForAsync();
        Assert.Equal("16 MiB", await page.InnerTextAsync("#listing tr[data-name='report.bin'] td.size"));
        await using (var scope = a.Services.CreateAsyncScope())
        {
            var aliceId = await scope.ServiceProvider.GetRequiredService<OcmDb>().Set<User>().Where(u => u.Name == "alice").Select(u => u.Id).SingleAsync();
            var stored = await scope.ServiceProvider.GetRequiredService<FileTree>().FindAsync(aliceId, StoragePath.Root.Append("report.bin")!.Value, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(report)), stored.Sha256);
        }

        Assert.Contains("of 1 GiB used", await page.InnerTextAsync("#quota"), StringComparison.Ordinal);
        await UploadAsync(page, (LongName, "x"u8.ToArray()));
        await shots.CaptureAsync(page, "files");

        await page.ClickAsync("#listing tr[data-name='report.bin'] a[aria-label='More actions for report.bin']");
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(report)), await page.InnerTextAsync("dl.details"), StringComparison.Ordinal);
        await shots.CaptureAsync(page, "file-details");
        await page.ClickAsync("#delete");
        Assert.Contains("deletes the file report.bin", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await shots.CaptureAsync(page, "delete-confirm");
        await page.ClickAsync("#cancel-delete");
        await page.GotoAsync("ui/item/report.bin");

        // --- Share both files with Bob on B (report editable), and report with Carol, whose server fails ---
        await page.ClickAsync("#share");
        Assert.Equal("Share “report.bin”", await page.InnerTextAsync("h1"));

        // An address without a server: the reason next to the form, in words, and everything typed still there.
        const string NoServer = "bobwithoutaservernameandwithoutanyspaceorhyphenanywhere";
        await page.FillAsync("#share-with", NoServer);
        await page.CheckAsync("#perm-write");
        await page.ClickAsync("#create-share");
        var shareError = await page.InnerTextAsync("#share-error");
        Assert.StartsWith("The recipient's address", shareError, StringComparison.Ordinal);
        Assert.DoesNotContain("shareWith", shareError, StringComparison.Ordinal);
        Assert.Equal(NoServer, await page.InputValueAsync("#share-with"));
        Assert.True(await page.IsCheckedAsync("#perm-write"));
        await shots.CaptureAsync(page, "share-error");
        await ShareAsync(page, bob.Address, write: true);
        Assert.Contains("Shared with " + bob.Address, await page.FlashAsync(), StringComparison.Ordinal);
        await page.ReloadUntilAsync(async () => await StateAsync(page, bob.Address) == "delivered", "the share to reach B");
        await ShareAsync(page, carol, write: false);
        await page.ReloadUntilAsync(async () => (await StateAsync(page, carol)) == "pending-delivery", "the share to Carol to wait");

        await dave.PostJsonAsync("api/v1/shares", new { path = "/notes.txt", shareWith = bob.Address, permissions = new[] { "read" } }, 201);

        // --- Bob, on B, finds both waiting; Dave's notes.txt is marked as from an unknown sender ---
        var bobPage = await browser.NewPageAsync(b);
        bobPage.AcceptDialogs();
        await bobPage.SignInAsync(bob);
        await bobPage.ClickAsync("nav.main-nav >> text=Shared with me");
        await bobPage.ReloadUntilAsync(async () => await bobPage.Locator("li.received").CountAsync() == 2, "both shares on B");

        var card = await bobPage.InnerTextAsync("#pending li[data-name='report.bin']");
        Assert.Contains("Alice Liddell", card, StringComparison.Ordinal);
        Assert.Contains(alice.Address, card, StringComparison.Ordinal);
        Assert.Contains(a.Authority, card, StringComparison.Ordinal);
        Assert.Contains("a file you can view and edit", card, StringComparison.Ordinal);
        Assert.Contains("unknown sender", await bobPage.InnerTextAsync("#unknown li[data-name='notes.txt']"), StringComparison.Ordinal);
        await shots.CaptureAsync(bobPage, "shared-with-me");

        await bobPage.ClickAsync("#pending li[data-name='report.bin'] button.accept");
        Assert.Contains("it is in /Shared with me/report.bin", await bobPage.FlashAsync(), StringComparison.Ordinal);
        Assert.Contains("/Shared with me/report.bin", await bobPage.InnerTextAsync("#accepted li[data-name='report.bin']"), StringComparison.Ordinal);

        // Bob opens the shared file on B: B fetches it from A with the share's credentials; the bytes are alice's.
        var download = await bobPage.RunAndWaitForDownloadAsync(() => bobPage.ClickAsync("#accepted li[data-name='report.bin'] a.download"));
        Assert.Equal("report.bin", download.SuggestedFilename);
        Assert.Equal(SHA256.HashData(report), SHA256.HashData(await File.ReadAllBytesAsync((await download.PathAsync())!)));
        await bobPage.ClickAsync("#unknown li[data-name='notes.txt'] button.decline");
        Assert.Contains("Declined", await bobPage.FlashAsync(), StringComparison.Ordinal);

        // --- Alice sees it accepted, revokes it ---
        await page.GotoAsync("ui/share/report.bin");
        await page.ReloadUntilAsync(async () => await StateAsync(page, bob.Address) == "accepted", "Bob's acceptance on A");
        await shots.CaptureAsync(page, "share-dialog");
        await page.ClickAsync($"li.share[data-recipient='{bob.Address}'] button.revoke");
        Assert.Contains("No longer shared with " + bob.Address, await page.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator($"li.share[data-recipient='{bob.Address}']").CountAsync());

        // --- ...and it is gone for Bob ---
        await bobPage.ReloadUntilAsync(
            async () => await bobPage.Locator("#accepted li[data-name='report.bin']").CountAsync() == 0, "the revoked share to leave Bob's accepted list");
        Assert.Contains("The owner ended this share", await bobPage.InnerTextAsync("#ended li[data-name='report.bin']"), StringComparison.Ordinal);

        // --- Alice's account: an app password for her sync client ---
        await page.ClickAsync("nav.main-nav >> text=Account");
        await page.FillAsync("#app-label", "laptop");
        await page.ClickAsync("#create-app-password");
        Assert.Matches("^[a-z2-9]{5}(-[a-z2-9]{5}){4}$", await page.InnerTextAsync("#app-password-value"));
        await shots.CaptureAsync(page, "account");

        // --- A's administrator: the peer B, and the outbox with the failing delivery ---
        var adminPage = await browser.NewPageAsync(a);
        await adminPage.SignInAsync(root);
        await adminPage.ClickAsync("nav.main-nav >> text=Admin");
        Assert.Contains("alice", await adminPage.InnerTextAsync("#users"), StringComparison.Ordinal);
        await shots.CaptureAsync(adminPage, "admin-users");
        await adminPage.ClickAsync("#users a >> text=maximilianalexandervonhumboldtuniversitaetberlin");
        Assert.Contains("Humboldt-Universitätsbibliothek", await adminPage.InnerTextAsync("dl.details"), StringComparison.Ordinal);
        await shots.CaptureAsync(adminPage, "admin-user");

        await adminPage.ClickAsync("nav.sub-nav >> text=Federation peers");
        var peerRow = await adminPage.InnerTextAsync($"#peers tr[data-peer='{b.Authority}']");
        Assert.Contains("Lab B", peerRow, StringComparison.Ordinal);
        Assert.Contains("reachable", peerRow, StringComparison.Ordinal);
        Assert.Contains("notifications", peerRow, StringComparison.Ordinal);
        Assert.Contains("1.4", await adminPage.InnerTextAsync($"#peers tr[data-peer='{b.Authority}'] td:nth-child(3)"), StringComparison.Ordinal);
        Assert.Equal(1, await adminPage.Locator($"#peers tr[data-peer='{failing.Authority}']").CountAsync());
        await shots.CaptureAsync(adminPage, "admin-peers");

        await adminPage.ClickAsync("nav.sub-nav >> text=Outbox");
        var pending = await adminPage.InnerTextAsync($"#outbox-pending tr[data-peer='{failing.Authority}']");
        Assert.Contains("503", pending, StringComparison.Ordinal);
        await shots.CaptureAsync(adminPage, "admin-outbox");

        Volatile.Write(ref peerAccepts, true);
        await adminPage.ClickAsync($"#outbox-pending tr[data-peer='{failing.Authority}'] button.retry");
        Assert.Contains("will be delivered now", await adminPage.FlashAsync(), StringComparison.Ordinal);
        await adminPage.ReloadUntilAsync(async () => await adminPage.Locator("#outbox-pending-empty").CountAsync() == 1, "the retried delivery");
        await page.GotoAsync("ui/share/report.bin");
        Assert.Equal("delivered", await StateAsync(page, carol));

        await adminPage.ClickAsync("nav.sub-nav >> text=Signing keys");
        Assert.Contains("active", await adminPage.InnerTextAsync("#keys"), StringComparison.Ordinal);
        await shots.CaptureAsync(adminPage, "admin-keys");
        await adminPage.ClickAsync("nav.sub-nav >> text=Trust policy");
        await shots.CaptureAsync(adminPage, "admin-trust");

        // A page that is not there says so, in the same layout.
        await page.GotoAsync("ui/files/No%20such%20folder");
        Assert.Equal("Not found", await page.InnerTextAsync("h1"));
        await shots.CaptureAsync(page, "not-found");

        Assert.Equal(30, shots.Taken.Count);
    }

    /// <summary>
    /// A received folder in the browser: Alice, on A (127.0.6.1), builds a folder with a subfolder and files and shares
    /// it with Bob on B (127.0.6.2); Bob accepts it on B, then walks to it as over WebDAV — Files, "Shared with me", the
    /// shared folder — goes into the subfolder and back by the breadcrumbs, and downloads a file, which B fetches from
    /// A: the bytes are Alice's. Names are long and unbreakable where people's names can be.
    /// </summary>
    [Fact]
    public async Task ReceivedFolder_OpenOnB_NavigateSubfolder_DownloadHasAlicesBytes()
    {
        await using var a = await OcmTestServer.StartAsync("127.0.6.1", UiPageExtensions.Settings(("Ocm:ProviderName", "University A")));
        await using var b = await OcmTestServer.StartAsync("127.0.6.2", UiPageExtensions.Settings(("Ocm:ProviderName", "Lab B")));
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        using (var bobApi = bob.ApiClient())
        {
            await bobApi.PostJsonAsync("api/v1/contacts", new { address = alice.Address, name = "Alice Liddell" }, 201);
        }

        var measurements = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        var siteMap = RandomNumberGenerator.GetBytes(200 * 1024);
        var shots = Screenshots.Create();

        // --- Alice builds "Field data" with a subfolder "raw" on A, and shares it with Bob ---
        var page = await browser.NewPageAsync(a);
        await page.SignInAsync(alice);
        await page.FillAsync("#folder-name", "Field data");
        await page.ClickAsync("#create-folder");
        await page.ClickAsync("#listing a.folder >> text=Field data");
        Assert.Equal("Field data", await page.InnerTextAsync("#folder-title"));
        await page.FillAsync("#folder-name", "raw");
        await page.ClickAsync("#create-folder");
        await UploadAsync(page, ("README.txt", "read me first"u8.ToArray()), ("site map.pdf", siteMap));
        await page.ClickAsync("#listing a.folder >> text=raw");
        Assert.Equal("raw", await page.InnerTextAsync("#folder-title"));
        await UploadAsync(page, ("measurements.bin", measurements), ("calibration.csv", "sensor,offset\n1,0.02\n"u8.ToArray()), (LongName, "x"u8.ToArray()));

        await page.GotoAsync("ui/share/Field%20data");
        Assert.Equal("Share “Field data”", await page.InnerTextAsync("h1"));
        await ShareAsync(page, bob.Address, write: false);
        await page.ReloadUntilAsync(async () => await StateAsync(page, bob.Address) == "delivered", "the folder share to reach B");

        // --- Bob accepts it on B and opens it ---
        var bobPage = await browser.NewPageAsync(b);
        await bobPage.SignInAsync(bob);
        await bobPage.GotoAsync("ui/shared-with-me");
        await bobPage.ReloadUntilAsync(async () => await bobPage.Locator("#pending li[data-name='Field data']").CountAsync() == 1, "the folder share on B");
        Assert.Contains("a folder you can view", await bobPage.InnerTextAsync("#pending li[data-name='Field data']"), StringComparison.Ordinal);
        await bobPage.ClickAsync("#pending li[data-name='Field data'] button.accept");
        Assert.Contains("it is in /Shared with me/Field data", await bobPage.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await bobPage.Locator("#accepted li[data-name='Field data'] a.download").CountAsync());

        // --- Files → Shared with me → Field data, the path WebDAV clients see ---
        await bobPage.ClickAsync("nav.main-nav >> text=Files");
        Assert.Contains("from other servers", await bobPage.InnerTextAsync("#listing tr[data-name='Shared with me']"), StringComparison.Ordinal);
        await shots.CaptureAsync(bobPage, "files-with-shared");
        await bobPage.ClickAsync("#listing a.folder >> text=Shared with me");
        Assert.Equal("Shared with me", await bobPage.InnerTextAsync("#folder-title"));
        Assert.Equal(["Files", "Shared with me"], await bobPage.Locator("nav.breadcrumbs li").AllInnerTextsAsync());
        Assert.Equal(["Field data"], await NamesAsync(bobPage));
        Assert.Contains("from Alice Liddell " + alice.Address, await bobPage.InnerTextAsync("#listing tr[data-name='Field data']"), StringComparison.Ordinal);
        await shots.CaptureAsync(bobPage, "shared-with-me-folder");

        await bobPage.ClickAsync("#listing a.folder >> text=Field data");
        Assert.Equal("Field data", await bobPage.InnerTextAsync("#folder-title"));
        Assert.Equal(["Files", "Shared with me", "Field data"], await bobPage.Locator("nav.breadcrumbs li").AllInnerTextsAsync());
        Assert.Equal(["raw", "README.txt", "site map.pdf"], await NamesAsync(bobPage));
        Assert.Equal("Field data", await bobPage.InnerTextAsync("nav.breadcrumbs li:last-child"));
        Assert.Equal("200 KiB", await bobPage.InnerTextAsync("#listing tr[data-name='site map.pdf'] td.size"));
        Assert.Contains(alice.Address, await bobPage.InnerTextAsync("#shared-by"), StringComparison.Ordinal);
        await shots.CaptureAsync(bobPage, "shared-folder");

        // --- into the subfolder, and back by the breadcrumbs ---
        await bobPage.ClickAsync("#listing a.folder >> text=raw");
        Assert.Equal("raw", await bobPage.InnerTextAsync("#folder-title"));
        Assert.Equal(["Files", "Shared with me", "Field data", "raw"], await bobPage.Locator("nav.breadcrumbs li").AllInnerTextsAsync());
        Assert.Equal(["calibration.csv", LongName, "measurements.bin"], await NamesAsync(bobPage));
        await shots.CaptureAsync(bobPage, "shared-subfolder");

        // B fetches the file from A with the share's credentials; what arrives is exactly what Alice uploaded.
        var download = await bobPage.RunAndWaitForDownloadAsync(() => bobPage.ClickAsync("#listing a.file >> text=measurements.bin"));
        Assert.Equal("measurements.bin", download.SuggestedFilename);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(measurements)), Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync((await download.PathAsync())!))));

        await bobPage.ClickAsync("#crumb-share");
        Assert.Equal("Field data", await bobPage.InnerTextAsync("#folder-title"));
        await bobPage.ClickAsync("#crumb-shared-with-me");
        Assert.Equal("Shared with me", await bobPage.InnerTextAsync("#folder-title"));

        // The Shared with me page still offers to open it, and names where it is in Files.
        await bobPage.GotoAsync("ui/shared-with-me");
        Assert.Contains("/Shared with me/Field data", await bobPage.InnerTextAsync("#accepted li[data-name='Field data']"), StringComparison.Ordinal);
        await bobPage.ClickAsync("#accepted li[data-name='Field data'] a.open");
        Assert.Equal("Field data", await bobPage.InnerTextAsync("#folder-title"));

        // A sender that is down: a page saying so, which fits a phone as well.
        await a.StopAsync();
        await bobPage.ClickAsync("#listing a.folder >> text=raw");
        Assert.Contains(a.Authority, await bobPage.InnerTextAsync("#remote-problem"), StringComparison.Ordinal);
        await shots.CaptureAsync(bobPage, "sender-unreachable");
        Assert.Equal(10, shots.Taken.Count);
    }

    /// <summary>
    /// Contacts and invites in the browser: Alice, on A (127.0.6.60), creates an invite on the Contacts page and copies
    /// its invite string; Bob, on B (127.0.6.61), pastes it into "Accept an invite" (after a string that is no invite,
    /// which is refused with a reason); both then see each other among their contacts. Alice revokes a second invite,
    /// whose string then no longer works for Bob; Bob removes Alice, telling A, and Alice loses him in return.
    /// </summary>
    [Fact]
    public async Task Invite_CreatedOnA_AcceptedOnB_BothAreContacts_RevokeAndRemove()
    {
        await using var a = await OcmTestServer.StartAsync("127.0.6.60", UiPageExtensions.Settings(("Ocm:ProviderName", "University A")));
        await using var b = await OcmTestServer.StartAsync("127.0.6.61", UiPageExtensions.Settings(("Ocm:ProviderName", "Lab B")));
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        var shots = Screenshots.Create();

        // --- Alice creates an invite on A's Contacts page and copies its invite string ---
        var page = await browser.NewPageAsync(a);
        page.AcceptDialogs();
        await page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        await page.SignInAsync(alice);
        await page.ClickAsync("nav.main-nav >> text=Contacts");
        Assert.Equal("Contacts", await page.InnerTextAsync("h1"));
        Assert.Equal(1, await page.Locator("#no-contacts").CountAsync());
        await page.FillAsync("#invite-label", "Bob");
        await page.ClickAsync("#create-invite");

        var inviteString = (await page.InnerTextAsync("#invite-string")).Trim();
        Assert.EndsWith("@" + a.Authority, Encoding.UTF8.GetString(Base64Url.DecodeFromChars(inviteString)), StringComparison.Ordinal);
        Assert.StartsWith(new Uri(a.BaseUri, "ocm/wayf?token=").AbsoluteUri, (await page.InnerTextAsync("#invite-link")).Trim(), StringComparison.Ordinal);
        await page.ClickAsync("button[data-copy='invite-string']");
        // The label changes once the browser's asynchronous clipboard write has finished.
        await page.WaitForFunctionAsync("() => document.querySelector(\"button[data-copy='invite-string']\").textContent === 'Copied'");
        Assert.Equal("Copied", await page.InnerTextAsync("button[data-copy='invite-string']"));
        Assert.Equal(inviteString, await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        Assert.Equal("open", await page.GetAttributeAsync("#invites li[data-label='Bob']", "data-state"));

        // --- Bob, on B, pastes something that is no invite, then Alice's invite string ---
        var bobPage = await browser.NewPageAsync(b);
        bobPage.AcceptDialogs();
        await bobPage.SignInAsync(bob);
        await bobPage.ClickAsync("nav.main-nav >> text=Contacts");
        await bobPage.FillAsync("#invite-input", "hello Bob, here is my invite");
        var refused = await bobPage.RunAndWaitForResponseAsync(() => bobPage.ClickAsync("#accept-invite"), r => r.Url.EndsWith("/ui/contacts/accept", StringComparison.Ordinal));
        Assert.Equal(400, refused.Status);
        Assert.Contains("This is not an invite string", await bobPage.InnerTextAsync("#contacts-error"), StringComparison.Ordinal);
        Assert.Equal("hello Bob, here is my invite", await bobPage.InputValueAsync("#invite-input"));

        await bobPage.FillAsync("#invite-input", inviteString);
        await bobPage.ClickAsync("#accept-invite");
        Assert.Contains($"Alice Liddell ({alice.Address}) is now one of your contacts", await bobPage.FlashAsync(), StringComparison.Ordinal);
        var aliceCard = await bobPage.InnerTextAsync($"#contacts li[data-address='{alice.Address}']");
        Assert.Contains("Alice Liddell", aliceCard, StringComparison.Ordinal);
        Assert.Contains("invite", aliceCard, StringComparison.Ordinal);

        // --- Alice sees Bob among her contacts, and her invite accepted by him ---
        await page.GotoAsync("ui/contacts");
        await page.ReloadUntilAsync(async () => await page.Locator($"#contacts li[data-address='{bob.Address}']").CountAsync() == 1, "Bob among Alice's contacts");
        Assert.Contains("Bob Builder", await page.InnerTextAsync($"#contacts li[data-address='{bob.Address}']"), StringComparison.Ordinal);
        Assert.Equal("accepted", await page.GetAttributeAsync("#invites li[data-label='Bob']", "data-state"));
        Assert.Contains(bob.Address, await page.InnerTextAsync("#invites li[data-label='Bob']"), StringComparison.Ordinal);

        // --- A second invite, which Alice revokes: it leaves her list, and its string no longer works ---
        await page.FillAsync("#invite-label", "Carol");
        await page.ClickAsync("#create-invite");
        var secondString = (await page.InnerTextAsync("#invite-string")).Trim();
        Assert.Equal("open", await page.GetAttributeAsync("#invites li[data-label='Carol']", "data-state"));
        await shots.CaptureAsync(page, "contacts");
        await page.ClickAsync("#invites li[data-label='Carol'] button.revoke");
        Assert.Contains("Invite revoked", await page.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#invites li[data-label='Carol']").CountAsync());
        Assert.Equal(1, await page.Locator("#invites li[data-label='Bob']").CountAsync());

        await bobPage.FillAsync("#invite-input", secondString);
        await bobPage.ClickAsync("#accept-invite");
        Assert.Contains("Invite not valid", await bobPage.InnerTextAsync("#contacts-error"), StringComparison.Ordinal);

        // --- Bob removes Alice and tells A: Alice loses Bob in return ---
        await bobPage.GotoAsync("ui/contacts");
        await bobPage.CheckAsync($"#contacts li[data-address='{alice.Address}'] input[name='notify']");
        await bobPage.ClickAsync($"#contacts li[data-address='{alice.Address}'] button.remove");
        Assert.Contains($"Alice Liddell ({alice.Address}) removed from your contacts", await bobPage.FlashAsync(), StringComparison.Ordinal);
        Assert.Equal(1, await bobPage.Locator("#no-contacts").CountAsync());
        await page.ReloadUntilAsync(async () => await page.Locator("#no-contacts").CountAsync() == 1, "Bob's removal to reach A");

        Assert.Equal(2, shots.Taken.Count);
    }

    private static async Task UploadAsync(IPage page, params (string Name, byte[] Content)[] files)
    {
        await page.SetInputFilesAsync("#files", files.Select(f => new FilePayload { Name = f.Name, MimeType = "application/octet-stream", Buffer = f.Content }));
        foreach (var (name, _) in files)
        {
            await page.Locator($"#uploads li[data-name='{name}'].done").WaitForAsync();
            await page.Locator($"#listing tr[data-name='{name}']").WaitForAsync();
        }
    }

    private static async Task<string[]> NamesAsync(IPage page) =>
        [.. await page.Locator("#listing tr[data-name]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.name)")];

    private static async Task ShareAsync(IPage page, string address, bool write)
    {
        await page.FillAsync("#share-with", address);
        if (write)
        {
            await page.CheckAsync("#perm-write");
        }

        await page.ClickAsync("#create-share");
        await page.Locator("#flash").WaitForAsync();
    }

    private static async Task<string?> StateAsync(IPage page, string recipient)
    {
        var state = page.Locator($"li.share[data-recipient='{recipient}'] .state");
        return await state.CountAsync() == 0 ? null : await state.GetAttributeAsync("data-state");
    }
}
