using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Invites;
using Ocm.Tests.Ui;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// alice on A (127.0.15.1) and carol on C (127.0.15.2) each share a folder called "Field data" with bob on B
/// (127.0.15.3), alice first; bob accepts both. One place decides the names they are mounted under, so the API, the
/// command line, the web interface and WebDAV all agree: alice's is <c>/Shared with me/Field data</c>, carol's
/// <c>/Shared with me/Field data (2)</c>, and WebDAV serves each share's own files at exactly the path the API reports
/// (before, the API reported both at the first path while WebDAV mounted one as "(2)"). When bob leaves alice's
/// share, carol's takes the plain name, everywhere at once.
/// </summary>
public sealed class MountingTwoSharesWithTheSameName
{
    private const string Folder = "Field data";

    public static TheoryData<string> Providers => TestDatabases.Providers;

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task TheApiCliWebInterfaceAndWebDav_NameThemAlike_AndServeEachAtItsPath(string provider)
    {
        await using var database = provider == TestDatabases.Postgres ? await TestDatabases.CreateAsync(provider) : null;
        var settings = UiPageExtensions.Settings(("Ocm:Trust:QuarantineUnknownSenders", "false"), ("Ocm:Shares:RemoteTimeoutSeconds", "3"));
        await using var a = await OcmTestServer.StartAsync("127.0.15.1", settings);
        await using var c = await OcmTestServer.StartAsync("127.0.15.2", settings);
        await using var b = await OcmTestServer.StartAsync("127.0.15.3", With(settings, InvitingAUserOnAnotherServer.DatabaseSettings(provider, database)));
        var alice = await UiUser.AddAsync(a, "alice", "Alice Liddell");
        var carol = await UiUser.AddAsync(c, "carol", "Carol Danvers");
        var bob = await UiUser.AddAsync(b, "bob", "Bob Builder");
        using var bobApi = bob.ApiClient();

        var alices = await ShareAsync(alice, bob, "alice.txt", "measured by alice");
        var carols = await ShareAsync(carol, bob, "carol.txt", "measured by carol");
        Assert.True(alices < carols, $"alice's share arrived first: {alices}, {carols}");
        await bobApi.PostJsonAsync($"api/v1/received-shares/{alices}/accept", new { }, 200);
        var accepted = await bobApi.PostJsonAsync($"api/v1/received-shares/{carols}/accept", new { }, 200);
        Assert.Equal($"/Shared with me/{Folder} (2)", accepted.GetProperty("path").GetString());

        // The API: each share at its own path, in the list and on its own.
        var paths = await PathsAsync(bobApi);
        Assert.Equal($"/Shared with me/{Folder}", paths[alices]);
        Assert.Equal($"/Shared with me/{Folder} (2)", paths[carols]);
        Assert.Equal(paths[carols], (await bobApi.GetJsonAsync($"api/v1/received-shares/{carols}")).GetProperty("path").GetString());

        // WebDAV: exactly those paths, each serving its own share's files.
        Assert.Equal([Folder, Folder + " (2)"], (await DavNamesAsync(bobApi, "dav/files/bob/Shared%20with%20me/")).Order(StringComparer.Ordinal));
        Assert.Equal(["alice.txt"], await DavNamesAsync(bobApi, DavUrl(paths[alices])));
        Assert.Equal(["carol.txt"], await DavNamesAsync(bobApi, DavUrl(paths[carols])));
        Assert.Equal("measured by alice", await bobApi.GetStringAsync(DavUrl(paths[alices]) + "alice.txt"));
        Assert.Equal("measured by carol", await bobApi.GetStringAsync(DavUrl(paths[carols]) + "carol.txt"));

        // The command line shows what the API reports.
        var table = await CliAsync(bob, "received", "list");
        Assert.Matches($@"(?m)^\s*{carols}\s{{2}}{Folder}\s+{Regex.Escape(carol.Address)}\s+.*/Shared with me/{Folder} \(2\)\s", table);
        Assert.Matches($@"(?m)^\s*{alices}\s{{2}}{Folder}\s+{Regex.Escape(alice.Address)}\s+.*/Shared with me/{Folder}\s+never", table);

        // The web interface: the Shared with me page and the Files view name them the same.
        using (var session = await UiHttpSession.SignInAsync(bob))
        {
            var page = await session.GetPageAsync("ui/shared-with-me");
            Assert.Contains($"<code>/Shared with me/{Folder} (2)</code>", Card(page, carols), StringComparison.Ordinal);
            Assert.Contains($"<code>/Shared with me/{Folder}</code>", Card(page, alices), StringComparison.Ordinal);
            var files = await session.GetPageAsync("ui/files/Shared%20with%20me/");
            Assert.Contains($"<tr data-name=\"{Folder}\" data-share-id=\"{alices}\">", files, StringComparison.Ordinal);
            Assert.Contains($"<tr data-name=\"{Folder} (2)\" data-share-id=\"{carols}\">", files, StringComparison.Ordinal);
        }

        // bob leaves alice's share: carol's takes the plain name, in the API and over WebDAV alike.
        using (var leave = await bobApi.DeleteAsync($"api/v1/received-shares/{alices}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);
        }

        var after = await PathsAsync(bobApi);
        Assert.Equal($"/Shared with me/{Folder}", Assert.Single(after).Value);
        Assert.Equal(["carol.txt"], await DavNamesAsync(bobApi, DavUrl(after[carols])));
        using var gone = await bobApi.SendDavAsync("PROPFIND", "dav/files/bob/Shared%20with%20me/Field%20data%20(2)/", null, ("Depth", "0"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    /// <summary><paramref name="owner"/> shares a folder "Field data" holding one file; returns its id on bob's server once there.</summary>
    private static async Task<long> ShareAsync(UiUser owner, UiUser bob, string file, string content)
    {
        using (var api = owner.ApiClient())
        {
            await api.MkColAsync(owner.Name, Folder);
            await api.PutFileAsync(owner.Name, $"{Folder}/{file}", content);
            await api.PostJsonAsync("api/v1/shares", new { path = "/" + Folder, shareWith = bob.Address, permissions = new[] { "read" } }, 201);
        }

        using var bobApi = bob.ApiClient();
        var pending = await OcmTestServerExtensions.EventuallyAsync(
            () => bobApi.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("sender").GetString() == owner.Address),
            $"{owner.Name}'s share to arrive on B");
        return pending.EnumerateArray().Single(s => s.GetProperty("sender").GetString() == owner.Address).GetProperty("id").GetInt64();
    }

    /// <summary>The path the API reports for each of bob's received shares that has one, by id.</summary>
    private static async Task<Dictionary<long, string>> PathsAsync(HttpClient bobApi) =>
        (await bobApi.GetJsonAsync("api/v1/received-shares")).EnumerateArray()
            .Where(s => s.GetProperty("path").ValueKind == JsonValueKind.String)
            .ToDictionary(s => s.GetProperty("id").GetInt64(), s => s.GetProperty("path").GetString()!);

    /// <summary>A path in bob's files, as his WebDAV URL of that folder.</summary>
    private static string DavUrl(string path) =>
        "dav/files/bob" + string.Concat(path.Split('/').Select(segment => segment.Length == 0 ? "" : "/" + Uri.EscapeDataString(segment))) + "/";

    /// <summary>The names (decoded) of the members of <paramref name="folder"/>, from a PROPFIND Depth 1.</summary>
    private static async Task<List<string>> DavNamesAsync(HttpClient dav, string folder)
    {
        using var response = await dav.SendDavAsync("PROPFIND", folder, null, ("Depth", "1"));
        Assert.True(response.StatusCode == HttpStatusCode.MultiStatus, $"PROPFIND {folder}: {(int)response.StatusCode}");
        var self = new Uri(dav.BaseAddress!, folder).AbsolutePath;
        return [.. XDocument.Parse(await response.Content.ReadAsStringAsync())
            .Descendants(XName.Get("href", "DAV:"))
            .Select(h => h.Value)
            .Where(h => h != self)
            .Select(h => Uri.UnescapeDataString(h.TrimEnd('/')[(h.TrimEnd('/').LastIndexOf('/') + 1)..]))];
    }

    /// <summary>The card of received share <paramref name="id"/> on the Shared with me page.</summary>
    private static string Card(string page, long id)
    {
        var match = Regex.Match(page, $"<li class=\"card received\" data-share-id=\"{id}\".*?</li>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no card for share {id}");
        return match.Value;
    }

    private static async Task<string> CliAsync(UiUser user, params string[] arguments)
    {
        var result = await OcmProcess.RunAsync(
            [.. arguments, "--server", user.Server.BaseUri.AbsoluteUri, "--user", user.Name],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = user.Password });
        Assert.True(result.ExitCode == 0, $"ocm {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.All}");
        return result.StdOut;
    }

    private static Dictionary<string, string?> With(Dictionary<string, string?> settings, (string Key, string? Value)[] more)
    {
        var result = new Dictionary<string, string?>(settings);
        foreach (var (key, value) in more)
        {
            result[key] = value;
        }

        return result;
    }
}
