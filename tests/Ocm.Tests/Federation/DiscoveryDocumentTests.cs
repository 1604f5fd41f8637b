using System.Net;
using System.Text.Json;
using Json.Schema;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Federation;

/// <summary>Our own /.well-known/ocm: generated from what is enabled, valid against the OCM discovery schema.</summary>
public sealed class DiscoveryDocumentTests : IAsyncLifetime
{
    private OcmTestServer _server = null!;

    public async Task InitializeAsync() => _server = await OcmTestServer.StartAsync("127.0.0.30");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(".well-known/ocm")]
    [InlineData("ocm-provider")]
    [InlineData("ocm-provider/")]
    public async Task Get_EveryDiscoveryPath_ServesTheSameDocument(string path)
    {
        using var response = await _server.Client.GetAsync(path);
        var json = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        using var parsed = JsonDocument.Parse(json);
        // OCM §OCM API Discovery › Fields: a path that a WAYF page appends to our host (see DiscoverySchema).
        Assert.StartsWith("/", parsed.RootElement.GetProperty("inviteAcceptDialog").GetString(), StringComparison.Ordinal);
        Assert.Equal(await _server.Client.GetStringAsync(".well-known/ocm"), json);
    }

    [VectorFact]
    public async Task Get_WellKnownOcm_IsValidAgainstTheDiscoverySchema()
    {
        using var parsed = JsonDocument.Parse(await _server.Client.GetStringAsync(".well-known/ocm"));

        var result = DiscoverySchema.Evaluate(parsed.RootElement);

        Assert.True(result.IsValid, "schema: " + DiscoverySchema.Describe(result));
    }

    [Fact]
    public async Task Get_Document_AdvertisesWhatWorks()
    {
        var document = JsonDocument.Parse(await _server.Client.GetStringAsync(".well-known/ocm")).RootElement;

        Assert.True(document.GetProperty("enabled").GetBoolean());
        Assert.Equal("1.4.0", document.GetProperty("apiVersion").GetString());
        Assert.Equal(new Uri(_server.BaseUri, "ocm").AbsoluteUri, document.GetProperty("endPoint").GetString());
        Assert.Equal(new Uri(_server.BaseUri, "ocm/jwks").AbsoluteUri, document.GetProperty("jwksUri").GetString());
        Assert.Equal(new Uri(_server.BaseUri, "ocm/token").AbsoluteUri, document.GetProperty("tokenEndPoint").GetString());
        var capabilities = document.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()).ToList();
        Assert.Contains("http-sig", capabilities);
        Assert.Contains("notifications", capabilities);
        Assert.Contains("exchange-token", capabilities);
        var types = document.GetProperty("resourceTypes").EnumerateArray().ToList();
        Assert.Equal(["file", "folder"], types.Select(t => t.GetProperty("name").GetString()));
        Assert.All(types, t => Assert.Equal("/dav/ocm/", t.GetProperty("protocols").GetProperty("webdav").GetString()));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", document.GetProperty("publicKey").GetProperty("publicKeyPem").GetString(), StringComparison.Ordinal);

        // Everything advertised answers.
        using var jwks = await _server.Client.GetAsync("ocm/jwks");
        Assert.Equal(HttpStatusCode.OK, jwks.StatusCode);
        Assert.NotEmpty(JsonDocument.Parse(await jwks.Content.ReadAsStringAsync()).RootElement.GetProperty("keys").EnumerateArray());
    }

    [Fact]
    public async Task Get_Readyz_ReportsDatabaseUp()
    {
        var ready = JsonDocument.Parse(await _server.Client.GetStringAsync("readyz")).RootElement;

        Assert.Equal("ready", ready.GetProperty("status").GetString());
        Assert.Equal("up", ready.GetProperty("database").GetString());
    }
}
