using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Identity.Groups;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// Local groups managed by an admin through <c>ocm group …</c> and the API; provider groups stay the provider's
/// (their members cannot be changed by hand, and a provider's claim cannot put anyone into a local group).
/// </summary>
public sealed class ManagingGroups
{
    [Fact]
    public async Task GroupCommands_CreateListAndChangeMembers_AndNameTheirMistakes()
    {
        var dataDir = TempDirectory.Create("ocm-groups");
        try
        {
            await Ocm(0, "user", "add", "alice", "--password", "alice-pass-1", "--data-dir", dataDir, "--init");
            await Ocm(0, "user", "add", "bob", "--password", "bob-pass-12", "--data-dir", dataDir);

            Assert.Contains("Created group 'physics'", (await Ocm(0, "group", "add", "physics", "--display-name", "Physics dept.", "--data-dir", dataDir)).StdOut);
            Assert.Contains("already exists", (await Ocm(1, "group", "add", "PHYSICS", "--data-dir", dataDir)).StdErr);
            await Ocm(0, "group", "add-member", "physics", "alice", "--data-dir", dataDir);
            await Ocm(0, "group", "add-member", "physics", "bob", "--data-dir", dataDir);
            Assert.Contains("already a member", (await Ocm(1, "group", "add-member", "physics", "bob", "--data-dir", dataDir)).StdErr);
            Assert.Contains("no user named 'carol'", (await Ocm(1, "group", "add-member", "physics", "carol", "--data-dir", dataDir)).StdErr);
            Assert.Contains("no group named 'chemistry'", (await Ocm(1, "group", "members", "chemistry", "--data-dir", dataDir)).StdErr);

            Assert.Equal(["alice", "bob"], (await Ocm(0, "group", "members", "physics", "--data-dir", dataDir)).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            await Ocm(0, "group", "remove-member", "physics", "alice", "--data-dir", dataDir);

            var list = JsonDocument.Parse((await Ocm(0, "group", "list", "--json", "--data-dir", dataDir)).StdOut).RootElement;
            var physics = Assert.Single(list.EnumerateArray());
            Assert.Equal("physics", physics.GetProperty("name").GetString());
            Assert.Equal("Physics dept.", physics.GetProperty("displayName").GetString());
            Assert.Equal("local", physics.GetProperty("source").GetString());
            Assert.Equal(1, physics.GetProperty("members").GetInt32());

            await Ocm(0, "group", "remove", "physics", "--data-dir", dataDir);
            Assert.Contains("No groups.", (await Ocm(0, "group", "list", "--data-dir", dataDir)).StdOut);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    [Fact]
    public async Task GroupApi_IsForAdmins_AndKeepsProviderGroupsApartFromLocalOnes()
    {
        await using var server = await OcmTestServer.StartAsync("127.0.0.98", UiPageExtensions.Settings());
        var admin = await UiUser.AddAsync(server, "admin1", admin: true);
        var user = await UiUser.AddAsync(server, "user1");
        using var adminClient = admin.ApiClient();
        using var userClient = user.ApiClient();

        using (var refused = await userClient.PostAsJsonAsync("api/v1/groups", new { name = "staff" }))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }

        using (var created = await adminClient.PostAsJsonAsync("api/v1/groups", new { name = "staff", displayName = "All staff" }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var duplicate = await adminClient.PostAsJsonAsync("api/v1/groups", new { name = "Staff" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
            Assert.Contains("already exists", await duplicate.Content.ReadAsStringAsync());
        }

        using (var empty = await adminClient.PostAsJsonAsync("api/v1/groups", new { name = " " }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.PutAsync("api/v1/groups/staff/members/user1", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminClient.PutAsync("api/v1/groups/staff/members/nobody", null)).StatusCode);
        Assert.Equal(["user1"], await adminClient.GetFromJsonAsync<List<string>>("api/v1/groups/staff/members"));

        // A provider's groups claim creates its own groups, and cannot reach into a local one of the same name.
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var groups = scope.ServiceProvider.GetRequiredService<GroupDirectory>();
            await groups.ApplyProviderGroupsAsync(user.Id(server), "https://idp.example.org", ["staff", "/campus/physics"], CancellationToken.None);
            await groups.ApplyProviderGroupsAsync(admin.Id(server), "https://idp.example.org", ["staff"], CancellationToken.None);
        }

        Assert.Equal(["user1"], await adminClient.GetFromJsonAsync<List<string>>("api/v1/groups/staff/members"));
        var listed = await adminClient.GetFromJsonAsync<JsonElement>("api/v1/groups");
        var provider = listed.EnumerateArray().Single(g => g.GetProperty("name").GetString() == "/campus/physics");
        Assert.Equal("provider", provider.GetProperty("source").GetString());
        Assert.Equal("https://idp.example.org", provider.GetProperty("issuer").GetString());
        Assert.Equal(["user1"], await adminClient.GetFromJsonAsync<List<string>>("api/v1/groups/" + Uri.EscapeDataString("/campus/physics") + "/members"));

        using (var handMade = await adminClient.PutAsync("api/v1/groups/" + Uri.EscapeDataString("/campus/physics") + "/members/admin1", null))
        {
            Assert.Equal(HttpStatusCode.Conflict, handMade.StatusCode);
            Assert.Contains("come from the identity provider", await handMade.Content.ReadAsStringAsync());
        }

        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync("api/v1/groups/staff/members/user1")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await adminClient.DeleteAsync("api/v1/groups/staff")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminClient.DeleteAsync("api/v1/groups/staff")).StatusCode);
    }

    private static async Task<RunResult> Ocm(int expectedExitCode, params string[] arguments)
    {
        var result = await OcmProcess.RunAsync(arguments, OcmProcess.Quiet);
        Assert.True(result.ExitCode == expectedExitCode, $"ocm {string.Join(' ', arguments)} exited {result.ExitCode}:\n{result.All}");
        return result;
    }
}

internal static class UiUserIds
{
    public static long Id(this UiUser user, OcmTestServer server)
    {
        using var scope = server.Services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>().Set<Ocm.Users.User>().Single(u => u.Name == user.Name).Id;
    }
}
