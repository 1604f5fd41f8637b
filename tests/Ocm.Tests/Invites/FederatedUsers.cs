using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.Invites;

/// <summary>A user of one test server, with an HTTP client signed in as them (Basic) and intent methods for the API.</summary>
internal sealed class TestUser : IDisposable
{
    public TestUser(OcmTestServer server, string name, string password)
    {
        Server = server;
        Name = name;
        Password = password;
        Client = new HttpClient { BaseAddress = server.BaseUri };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));
    }

    public OcmTestServer Server { get; }

    public string Name { get; }

    public string Password { get; }

    public HttpClient Client { get; }

    /// <summary>This user's OCM address, <c>name@host:port</c>.</summary>
    public string Address => $"{Name}@{Server.Authority}";

    /// <summary><c>POST /api/v1/invites</c>; asserts 201 and returns the answer.</summary>
    public async Task<JsonElement> CreateInviteAsync(string? label = null)
    {
        using var response = await Client.PostAsJsonAsync("api/v1/invites", new { label });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary><c>POST /api/v1/invites/accept</c> with the given body; returns status and JSON body (contact or ProblemDetails).</summary>
    public async Task<(HttpStatusCode Status, JsonElement Body)> AcceptInviteAsync(object request)
    {
        using var response = await Client.PostAsJsonAsync("api/v1/invites/accept", request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, body);
    }

    public Task<(HttpStatusCode Status, JsonElement Body)> AcceptInviteStringAsync(string inviteString) =>
        AcceptInviteAsync(new { invite = inviteString });

    /// <summary><c>GET /api/v1/contacts[?search=]</c>.</summary>
    public async Task<List<JsonElement>> ContactsAsync(string? search = null)
    {
        var url = search is null ? "api/v1/contacts" : "api/v1/contacts?search=" + Uri.EscapeDataString(search);
        using var response = await Client.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!;
    }

    public async Task<List<JsonElement>> InvitesAsync()
    {
        using var response = await Client.GetAsync("api/v1/invites");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<List<JsonElement>>())!;
    }

    public void Dispose() => Client.Dispose();
}

internal static class FederatedUsers
{
    /// <summary>Settings every invite test server shares: no first admin, signatures required (the invite flow is signed).</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Ocm:Users:CreateAdminOnFirstStart"] = "false",
            ["Ocm:Security:RequireSignatures"] = "true",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Creates a local user on <paramref name="server"/> (as <c>ocm user add</c> would) and signs a client in as them.</summary>
    public static async Task<TestUser> AddUserAsync(this OcmTestServer server, string name, string? displayName = null, string? email = null)
    {
        var password = "pw-" + name + "-0123456789";
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<UserAccounts>();
            await accounts.AddAsync(new NewUser(name, password, displayName, email), CancellationToken.None);
        }

        return new TestUser(server, name, password);
    }

    public static string Problem(this JsonElement problem) =>
        $"{(problem.TryGetProperty("title", out var t) ? t.GetString() : null)}: {(problem.TryGetProperty("detail", out var d) ? d.GetString() : null)}";
}
