using System.Net;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// The viewer and editor on files in received shares: alice on A (127.0.41.3) shares a folder with bob on B
/// (127.0.41.4) to edit and another to view only. Bob reads Markdown rendered from A, saves through the share and alice
/// reads his bytes on A; a change alice made meanwhile is a conflict; the view-only share shows no Edit, and an edit page
/// or a save posted anyway (with a valid form token) is refused with 403, nothing sent to A.
/// </summary>
public sealed class ViewingReceivedFilesOverHttp : IAsyncLifetime
{
    private OcmTestServer _a = null!;
    private OcmTestServer _b = null!;
    private UiUser _alice = null!;
    private UiUser _bob = null!;
    private HttpClient _aliceApi = null!;

    public async Task InitializeAsync()
    {
        var settings = UiPageExtensions.Settings(("Ocm:Trust:QuarantineUnknownSenders", "false"), ("Ocm:Shares:RemoteTimeoutSeconds", "5"));
        _a = await OcmTestServer.StartAsync("127.0.41.3", settings);
        _b = await OcmTestServer.StartAsync("127.0.41.4", settings);
        _alice = await UiUser.AddAsync(_a, "alice", "Alice Liddell");
        _bob = await UiUser.AddAsync(_b, "bob", "Bob Builder");
        _aliceApi = _alice.ApiClient();
        await _aliceApi.MkColAsync("alice", "Team");
        await _aliceApi.PutFileAsync("alice", "Team/plan.md", "# Plan\n\n<script>alert(1)</script>\n");
        await _aliceApi.MkColAsync("alice", "Archive");
        await _aliceApi.PutFileAsync("alice", "Archive/old.md", "# Old\n");
    }

    public async Task DisposeAsync()
    {
        _aliceApi.Dispose();
        await _b.DisposeAsync();
        await _a.DisposeAsync();
    }

    [Fact]
    public async Task WritableShare_RendersFromTheSender_AndSavesThroughIt()
    {
        var id = await ShareAndAcceptAsync("/Team", ["read", "write"]);
        using var session = await UiHttpSession.SignInAsync(_bob);

        Assert.Contains($"href=\"/ui/received/{id}/view/plan.md\" aria-label=\"Open plan.md\"", await session.GetPageAsync($"ui/received/{id}/folder/"), StringComparison.Ordinal);
        var view = await session.GetPageAsync($"ui/received/{id}/view/plan.md");
        Assert.Contains("<h1>Plan</h1>", view, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>alert", view, StringComparison.Ordinal);
        Assert.Contains($"href=\"/ui/received/{id}/edit/plan.md\" id=\"edit\"", view, StringComparison.Ordinal);

        var form = await ViewerForms.OpenEditorAsync(session, $"ui/received/{id}/edit/plan.md");
        Assert.Equal("# Plan\n\n<script>alert(1)</script>\n", form.Text);
        using (var saved = await ViewerForms.SaveAsync(session, form, "# Plan\n\nBob was here.\n"))
        {
            Assert.Equal(HttpStatusCode.SeeOther, saved.StatusCode);
        }

        Assert.Equal("# Plan\n\nBob was here.\n", await _aliceApi.GetStringAsync("dav/files/alice/Team/plan.md"));
        Assert.Contains($"Saved “plan.md” on {_a.Authority}.", await session.GetPageAsync($"ui/received/{id}/view/plan.md"), StringComparison.Ordinal);

        // Alice changes it after bob opened the editor: his save is a conflict, both texts survive.
        var stale = await ViewerForms.OpenEditorAsync(session, $"ui/received/{id}/edit/plan.md");
        await _aliceApi.PutFileAsync("alice", "Team/plan.md", "# Plan by Alice\n");
        using var conflict = await ViewerForms.SaveAsync(session, stale, "# Plan by Bob\n");
        var html = await conflict.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("was changed by someone else since you opened it", html, StringComparison.Ordinal);
        Assert.Equal("# Plan by Bob\n", ViewerForms.EditorForm.From(html).Text);
        Assert.Equal("# Plan by Alice\n", await _aliceApi.GetStringAsync("dav/files/alice/Team/plan.md"));
    }

    [Fact]
    public async Task ReadOnlyShare_ShowsNoEdit_AndRefusesAForgedSave()
    {
        var id = await ShareAndAcceptAsync("/Archive", ["read"]);
        using var session = await UiHttpSession.SignInAsync(_bob);

        var view = await session.GetPageAsync($"ui/received/{id}/view/old.md");
        Assert.Contains("<h1>Old</h1>", view, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"edit\"", view, StringComparison.Ordinal);
        using (var edit = await session.Client.GetAsync($"ui/received/{id}/edit/old.md"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, edit.StatusCode);
        }

        // A save posted anyway, with a valid form token and a made-up ETag.
        var forged = new ViewerForms.EditorForm("", $"/ui/received/{id}/save", await session.TokenAsync(), "/old.md", "\"x\"", "0", "0", "");
        using var refused = await ViewerForms.SaveAsync(session, forged, "# Overwritten\n");

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("to view, not to edit", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("# Old\n", await _aliceApi.GetStringAsync("dav/files/alice/Archive/old.md"));
    }

    private async Task<long> ShareAndAcceptAsync(string path, string[] permissions)
    {
        await _aliceApi.PostJsonAsync("api/v1/shares", new { path, shareWith = _bob.Address, permissions }, 201);
        var name = path.TrimStart('/');
        using var api = _bob.ApiClient();
        var received = await OcmTestServerExtensions.EventuallyAsync(
            () => api.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name),
            $"{name} to arrive on B");
        var id = received.EnumerateArray().First(s => s.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
        await api.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
        return id;
    }
}
