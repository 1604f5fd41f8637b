using System.Net;
using System.Net.Http.Headers;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>
/// A sync client or an editor holds a WebDAV lock; the same user works in the web interface, which holds no lock token.
/// The web interface refuses what WebDAV would refuse a client without the token — replacing, renaming, moving,
/// deleting a locked file; adding to or removing from a folder locked at depth 0 (RFC 4918 §7.5) — and says what is
/// locked; once the lock is gone the same action works.
/// </summary>
public sealed class ChangingLockedFilesInTheWebInterface(UiServerFixture fixture) : IClassFixture<UiServerFixture>
{
    private const string LockedText = "is locked by a WebDAV client";

    [Fact]
    public async Task LockedFile_IsNotReplacedRenamedMovedOrDeleted_UntilUnlocked()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.PutFileAsync(user.Name, "report.txt", "v1");
        await api.MkColAsync(user.Name, "Archive");
        var token = await LockAsync(api, user, "report.txt", "exclusive", "0");
        using var session = await UiHttpSession.SignInAsync(user);

        using (var upload = await UploadAsync(session, "/", "report.txt", "v2"))
        {
            Assert.Equal(HttpStatusCode.Locked, upload.StatusCode);
            Assert.Contains(LockedText, await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains(LockedText, await FlashAfterAsync(session, "ui/rename", ("path", "/report.txt"), ("name", "final.txt")), StringComparison.Ordinal);
        Assert.Contains(LockedText, await FlashAfterAsync(session, "ui/move", ("path", "/report.txt"), ("destination", "/Archive")), StringComparison.Ordinal);
        Assert.Contains(LockedText, await FlashAfterAsync(session, "ui/delete", ("path", "/report.txt")), StringComparison.Ordinal);
        Assert.Equal("v1", await api.GetStringAsync($"dav/files/{user.Name}/report.txt"));
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"dav/files/{user.Name}/final.txt")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"dav/files/{user.Name}/Archive/report.txt")).StatusCode);

        using (var unlock = new HttpRequestMessage(new HttpMethod("UNLOCK"), $"dav/files/{user.Name}/report.txt"))
        {
            unlock.Headers.TryAddWithoutValidation("Lock-Token", token);
            Assert.Equal(HttpStatusCode.NoContent, (await api.SendAsync(unlock)).StatusCode);
        }

        using (var upload = await UploadAsync(session, "/", "report.txt", "v2"))
        {
            Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        }

        Assert.Contains("deleted", await FlashAfterAsync(session, "ui/delete", ("path", "/report.txt")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"dav/files/{user.Name}/report.txt")).StatusCode);
    }

    [Fact]
    public async Task FolderLockedAtDepthZero_KeepsItsMembers_ButTheirContentCanChange()
    {
        var user = await fixture.NewUserAsync();
        using var api = user.ApiClient();
        await api.MkColAsync(user.Name, "Team");
        await api.PutFileAsync(user.Name, "Team/notes.txt", "v1");
        await LockAsync(api, user, "Team", "shared", "0");
        using var session = await UiHttpSession.SignInAsync(user);

        using (var upload = await UploadAsync(session, "/Team", "new.txt", "new"))
        {
            Assert.Equal(HttpStatusCode.Locked, upload.StatusCode);
            Assert.Contains(LockedText, await upload.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains(LockedText, await FlashAfterAsync(session, "ui/mkdir", ("dir", "/Team"), ("name", "Sub")), StringComparison.Ordinal);
        Assert.Contains(LockedText, await FlashAfterAsync(session, "ui/delete", ("path", "/Team/notes.txt")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"dav/files/{user.Name}/Team/new.txt")).StatusCode);
        Assert.Equal("v1", await api.GetStringAsync($"dav/files/{user.Name}/Team/notes.txt"));

        // A depth-0 lock protects the folder's membership, not its members' content.
        using (var replace = await UploadAsync(session, "/Team", "notes.txt", "v2"))
        {
            Assert.Equal(HttpStatusCode.Created, replace.StatusCode);
        }

        Assert.Equal("v2", await api.GetStringAsync($"dav/files/{user.Name}/Team/notes.txt"));
    }

    /// <summary>Takes a write lock over WebDAV, as a sync client or an editor does; returns its <c>Lock-Token</c> header.</summary>
    private static async Task<string> LockAsync(HttpClient api, UiUser user, string path, string scope, string depth)
    {
        using var request = new HttpRequestMessage(new HttpMethod("LOCK"), $"dav/files/{user.Name}/{path}")
        {
            Content = new StringContent(
                $"""<?xml version="1.0"?><d:lockinfo xmlns:d="DAV:"><d:lockscope><d:{scope}/></d:lockscope><d:locktype><d:write/></d:locktype></d:lockinfo>""",
                System.Text.Encoding.UTF8,
                "application/xml"),
        };
        request.Headers.Add("Depth", depth);
        using var response = await api.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"LOCK {path}: {(int)response.StatusCode}");
        return response.Headers.GetValues("Lock-Token").Single();
    }

    /// <summary>As the page's script uploads one file (replacing one of the same name): token in a header, JSON back.</summary>
    private static async Task<HttpResponseMessage> UploadAsync(UiHttpSession session, string folder, string name, string content)
    {
        var token = await session.TokenAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"ui/upload?dir={Uri.EscapeDataString(folder)}&overwrite=1");
        request.Headers.Add("X-CSRF-Token", token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        var file = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(content));
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = "\"files\"", FileNameStar = name };
        request.Content = new MultipartFormDataContent { file };
        return await session.Client.SendAsync(request);
    }

    /// <summary>Posts a form and returns the message the page it redirects to shows.</summary>
    private static async Task<string> FlashAfterAsync(UiHttpSession session, string action, params (string Name, string Value)[] fields)
    {
        using var response = await session.PostFormAsync(action, fields);
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var page = await session.GetPageAsync(response.Headers.Location!.OriginalString);
        var start = page.IndexOf("id=\"flash\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no message after {action}");
        return page[start..page.IndexOf("</p>", start, StringComparison.Ordinal)];
    }
}
