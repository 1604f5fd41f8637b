using System.Net;
using System.Text.Json;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Shares;

/// <summary>alice on server A shares with bob on server B; every step asserted on what the users see.</summary>
public sealed class FederatedSharingTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Ocm:Delivery:PollSeconds"] = "0.1",
        ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        ["Ocm:Delivery:MaxRetrySeconds"] = "1",
    };

    private OcmTestServer _a = null!;
    private OcmTestServer _b = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _a = await OcmTestServer.StartAsync("127.0.0.20", Fast);
        _b = await OcmTestServer.StartAsync("127.0.0.21", Fast);
        _alice = await _a.CreateUserAsync("alice", "Alice Liddell");
        _bob = await _b.CreateUserAsync("bob", "Bob Builder");
        await _alice.PutFileAsync("alice", "report.txt", "quarterly numbers");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private string Bob => "bob@" + _b.Authority;

    private async Task<JsonElement> ShareReportAsync(params string[] permissions) =>
        await _alice.PostJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = Bob, permissions }, 201);

    private Task<JsonElement> BobsPendingShareAsync() => OcmTestServerExtensions.EventuallyAsync(
        () => _bob.GetJsonAsync("api/v1/received-shares"), list => list.GetArrayLength() == 1, "the share to arrive on B");

    private Task<JsonElement> AlicesShareAsync(long id, string state) => OcmTestServerExtensions.EventuallyAsync(
        () => _alice.GetJsonAsync($"api/v1/shares/{id}"), s => s.GetProperty("state").GetString() == state, $"share state '{state}' on A");

    [Fact]
    public async Task ShareFile_RecipientSeesPendingShare_OwnerSeesDelivered()
    {
        var share = await ShareReportAsync("read");
        Assert.Equal("pending-delivery", share.GetProperty("state").GetString());

        var received = (await BobsPendingShareAsync())[0];
        Assert.Equal("report.txt", received.GetProperty("name").GetString());
        Assert.Equal("pending", received.GetProperty("state").GetString());
        Assert.Equal("alice@" + _a.Authority, received.GetProperty("owner").GetString());
        Assert.Equal("Alice Liddell", received.GetProperty("ownerDisplayName").GetString());
        Assert.Equal(["read"], received.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()));

        var delivered = await AlicesShareAsync(share.GetProperty("id").GetInt64(), "delivered");
        Assert.Equal("Bob Builder", delivered.GetProperty("recipientDisplayName").GetString());
    }

    [Fact]
    public async Task Accept_NotifiesOwner_ShareBecomesAccepted()
    {
        var share = await ShareReportAsync("read", "write");
        var received = (await BobsPendingShareAsync())[0];

        var accepted = await _bob.PostJsonAsync($"api/v1/received-shares/{received.GetProperty("id").GetInt64()}/accept", new { }, 200);

        Assert.Equal("accepted", accepted.GetProperty("state").GetString());
        Assert.Equal("/Shared with me/report.txt", accepted.GetProperty("path").GetString());
        await AlicesShareAsync(share.GetProperty("id").GetInt64(), "accepted");
    }

    [Fact]
    public async Task Decline_NotifiesOwner_ShareBecomesDeclined()
    {
        var share = await ShareReportAsync();
        var received = (await BobsPendingShareAsync())[0];

        await _bob.PostJsonAsync($"api/v1/received-shares/{received.GetProperty("id").GetInt64()}/decline", new { }, 200);

        await AlicesShareAsync(share.GetProperty("id").GetInt64(), "declined");
    }

    [Fact]
    public async Task Leave_AcceptedShare_OwnerIsTold()
    {
        var share = await ShareReportAsync();
        var id = (await BobsPendingShareAsync())[0].GetProperty("id").GetInt64();
        await _bob.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
        await AlicesShareAsync(share.GetProperty("id").GetInt64(), "accepted");

        using var leave = await _bob.DeleteAsync($"api/v1/received-shares/{id}");
        Assert.Equal(HttpStatusCode.NoContent, leave.StatusCode);

        Assert.Equal(0, (await _bob.GetJsonAsync("api/v1/received-shares")).GetArrayLength());
        await AlicesShareAsync(share.GetProperty("id").GetInt64(), "declined");
    }

    [Fact]
    public async Task ChangePermissions_ReachesRecipient()
    {
        var share = await ShareReportAsync("read", "write");
        var id = (await BobsPendingShareAsync())[0].GetProperty("id").GetInt64();
        var expiry = DateTimeOffset.UtcNow.AddDays(3).ToUnixTimeSeconds();

        using var patch = await _alice.PatchAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}",
            JsonContent(new { permissions = new[] { "read" }, expiration = expiry }));
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        var updated = await OcmTestServerExtensions.EventuallyAsync(
            () => _bob.GetJsonAsync($"api/v1/received-shares/{id}"),
            s => s.GetProperty("permissions").GetArrayLength() == 1, "read-only permissions on B");
        Assert.Equal("read", updated.GetProperty("permissions")[0].GetString());
        Assert.Equal(expiry, updated.GetProperty("expiration").GetInt64());
    }

    [Fact]
    public async Task Unshare_GoneOnBothSides()
    {
        var share = await ShareReportAsync();
        var id = (await BobsPendingShareAsync())[0].GetProperty("id").GetInt64();

        using var delete = await _alice.DeleteAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        using var gone = await _alice.GetAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await OcmTestServerExtensions.EventuallyAsync(
            () => _bob.GetJsonAsync($"api/v1/received-shares/{id}"),
            s => s.GetProperty("state").GetString() == "unshared", "the share to be unshared on B");
        using var accept = await _bob.PostAsync($"api/v1/received-shares/{id}/accept", null);
        Assert.Equal(HttpStatusCode.Conflict, accept.StatusCode);
    }

    [Fact]
    public async Task ShareFolder_ArrivesAsFolder()
    {
        await _alice.MkColAsync("alice", "Project");
        await _alice.PutFileAsync("alice", "Project/plan.md", "# plan");

        await _alice.PostJsonAsync("api/v1/shares", new { path = "/Project", shareWith = Bob }, 201);

        var received = (await BobsPendingShareAsync())[0];
        Assert.Equal("folder", received.GetProperty("resourceType").GetString());
        Assert.Equal("Project", received.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("{\"path\":\"/nope.txt\",\"shareWith\":\"bob@127.0.0.21:1\"}", 404, "nope.txt")]
    [InlineData("{\"path\":\"/report.txt\",\"shareWith\":\"not an address\"}", 400, "OCM address")]
    [InlineData("{\"path\":\"/report.txt\",\"shareWith\":\"bob@127.0.0.21:1\",\"permissions\":[\"admin\"]}", 400, "admin")]
    [InlineData("{\"path\":\"/report.txt\",\"shareWith\":\"bob@127.0.0.21:1\",\"expiration\":1}", 400, "future")]
    [InlineData("{\"shareWith\":\"bob@127.0.0.21:1\"}", 400, "path")]
    public async Task CreateShare_BadInput_ClearProblem(string body, int status, string mentioned)
    {
        using var response = await _alice.PostAsync("api/v1/shares", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(mentioned, text, StringComparison.Ordinal);
        Assert.Contains("application/problem+json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateShare_RecipientServerDown_Is502NamingTheServer()
    {
        using var response = await _alice.PostAsync("api/v1/shares", JsonContent(new { path = "/report.txt", shareWith = "carol@127.0.0.29:9" }));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("127.0.0.29:9", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateShare_UnknownUserOnB_FailsWithReceiversReason()
    {
        var share = await _alice.PostJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "nobody@" + _b.Authority }, 201);

        var failed = await OcmTestServerExtensions.EventuallyAsync(
            () => _alice.GetJsonAsync($"api/v1/shares/{share.GetProperty("id").GetInt64()}"),
            s => s.GetProperty("state").GetString()!.StartsWith("failed", StringComparison.Ordinal), "the share to fail");
        Assert.Contains("NOT_FOUND", failed.GetProperty("state").GetString(), StringComparison.Ordinal);
    }

    private static StringContent JsonContent(object value) =>
        new(JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}
