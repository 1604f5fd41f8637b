using System.Net;
using System.Text;
using System.Text.Json;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Federation;

/// <summary>Whatever a peer sends to the OCM API, the answer is a 4xx (or the spec's 501) with the spec's error body — never a 500.</summary>
public sealed class OcmApiBadInputTests : IAsyncLifetime
{
    private OcmTestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.0.31");
        (await _server.CreateUserAsync("bob")).Dispose();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, HttpContent content)
    {
        using var response = await _server.Client.PostAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        // 4xx, or 501 which the spec prescribes for unsupported resource and share types (OCM §Share Creation Notification › Response).
        Assert.True((int)response.StatusCode is (>= 400 and < 500) or 501, $"expected a 4xx, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var body = JsonDocument.Parse(text).RootElement.Clone();
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        return (response.StatusCode, body);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static TheoryData<string> Endpoints => new() { "ocm/shares", "ocm/notifications" };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Post_MalformedJson_Is400(string endpoint)
    {
        var (status, _) = await PostAsync(endpoint, Json("{\"shareWith\": "));

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Post_EmptyBody_Is400(string endpoint)
    {
        var (status, _) = await PostAsync(endpoint, Json(""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Post_TenMegabytes_Is413(string endpoint)
    {
        var huge = "{\"name\":\"" + new string('x', 10 * 1024 * 1024) + "\"}";

        var (status, body) = await PostAsync(endpoint, Json(huge));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("larger than", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Post_DeepNesting_Is400(string endpoint)
    {
        var deep = new string('[', 5000) + new string(']', 5000);

        var (status, _) = await PostAsync(endpoint, Json(deep));

        Assert.Equal(HttpStatusCode.BadRequest, status);
    }

    [Fact]
    public async Task PostShare_WrongTypes_NamesEveryField()
    {
        var (status, body) = await PostAsync("ocm/shares", Json("""
            { "shareWith": 42, "name": ["x"], "providerId": {"a":1}, "owner": true, "sender": "alice@peer.example",
              "shareType": "user", "resourceType": "file", "protocol": "webdav" }
            """));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var names = body.GetProperty("validationErrors").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.Contains("shareWith", names);
        Assert.Contains("name", names);
        Assert.Contains("providerId", names);
        Assert.Contains("owner", names);
        Assert.Contains("protocol", names);
    }

    [Fact]
    public async Task PostShare_UnknownRecipient_Is400WithShareWithNotFound()
    {
        var (status, body) = await PostAsync("ocm/shares", Json($$"""
            { "shareWith": "nobody@{{_server.Authority}}", "name": "a.txt", "providerId": "p1", "owner": "alice@peer.example",
              "sender": "alice@peer.example", "shareType": "user", "resourceType": "file",
              "protocol": { "name": "multi", "webdav": { "uri": "p1", "sharedSecret": "s3cret", "permissions": ["read"] } } }
            """));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(body.GetProperty("validationErrors").EnumerateArray());
        Assert.Equal("shareWith", error.GetProperty("name").GetString());
        Assert.Contains("NOT_FOUND", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostShare_UnsupportedResourceType_Is501()
    {
        var (status, _) = await PostAsync("ocm/shares", Json($$"""
            { "shareWith": "bob@{{_server.Authority}}", "name": "cal", "providerId": "p2", "owner": "alice@peer.example",
              "sender": "alice@peer.example", "shareType": "user", "resourceType": "calendar",
              "protocol": { "name": "multi", "webdav": { "uri": "p2", "sharedSecret": "s3cret", "permissions": ["read"] } } }
            """));

        Assert.Equal(HttpStatusCode.NotImplemented, status);
    }

    [Fact]
    public async Task PostNotification_UnknownType_Is400()
    {
        var (status, body) = await PostAsync("ocm/notifications", Json("""{ "notificationType": "MADE_UP", "resourceType": "file", "providerId": "x" }"""));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("MADE_UP", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
