using System.Text.Json;
using Json.Schema;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;

namespace Ocm.Protocol.Tests.Discovery;

// Our own discovery document: strict 1.4 (OCM §OCM API Discovery › Fields), validated against the discovery JSON
// Schema of the public test vectors (ocm/schemas/ocm-discovery.schema.json, see DiscoverySchema).
public sealed class DiscoveryBuilderTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() =>
        JsonSchema.FromText(File.ReadAllText(TestPaths.Vector("ocm", "schemas", "ocm-discovery.schema.json"))));

    private static EvaluationResults Evaluate(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return Schema.Value.Evaluate(document.RootElement.Clone(), new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static string Describe(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => d.InstanceLocation + ": " + e.Value)));

    private static DiscoveryDocumentBuilder FullBuilder() =>
        new DiscoveryDocumentBuilder(new Uri("https://files.example.net/ocm/"))
            .WithProvider("Ocm")
            .AddWebDavResourceType(ResourceTypes.File, "dav/ocm", shareTypes: [ShareTypes.User, ShareTypes.Group])
            .AddWebDavResourceType(ResourceTypes.Folder, "/dav/ocm/", shareTypes: [ShareTypes.User, ShareTypes.Group],
                webAppReceive: new WebAppReceive { Targets = [WebAppTargets.Blank] })
            .WithJwksUri(new Uri("https://files.example.net/ocm/jwks"))
            .WithTokenEndPoint(new Uri("https://files.example.net/ocm/token"))
            .WithInvites("/ocm/accept-invite", wayf: true)
            .WithCapability(OcmCapabilities.Notifications)
            .WithCriterion("http-request-signatures");

    [Fact]
    public void Build_FullConfiguration_IsStrict14AndConformant()
    {
        var doc = FullBuilder().Build();

        Assert.Equal("1.4.0", doc.ApiVersion);
        Assert.Equal("https://files.example.net/ocm", doc.EndPoint);
        Assert.Equal(["exchange-token", "http-sig", "invite-wayf", "invites", "notifications", "protocol-object"], doc.Capabilities);
        Assert.Equal([OcmCriteria.MustUseHttpSig], doc.Criteria);
        Assert.Equal("/dav/ocm/", doc.ResourceTypes[0].Protocols.WebDav); // normalized, identical in every entry (OCM §Resource Access step 1 reads only the first)
        Assert.Equal("/dav/ocm/", doc.ResourceTypes[1].Protocols.WebDav);
        var analysis = DiscoveryAnalysis.Analyze(OcmJson.Write(doc));
        Assert.True(analysis.IsConformant, string.Join(" | ", analysis.Violations));
        Assert.Equal(OcmDialect.Ocm14, analysis.Dialect);
    }

    [VectorFact]
    public void Write_BuiltDocument_ValidatesAgainstTheDiscoverySchema()
    {
        var results = Evaluate(OcmJson.Write(FullBuilder().Build()));

        Assert.True(results.IsValid, Describe(results));
    }

    [VectorFact]
    public void Write_MinimalDocument_ValidatesAgainstTheDiscoverySchema()
    {
        var doc = new DiscoveryDocumentBuilder(new Uri("https://m.example/ocm")).AddWebDavResourceType("file", "/webdav/").Build();

        var json = OcmJson.Write(doc);

        Assert.True(Evaluate(json).IsValid);
        Assert.Equal(
            """{"enabled":true,"apiVersion":"1.4.0","endPoint":"https://m.example/ocm","resourceTypes":[{"name":"file","shareTypes":["user"],"protocols":{"webdav":"/webdav/","webdav-receive":{"uri":"relative"}}}],"capabilities":["protocol-object"],"criteria":[]}""",
            System.Text.Encoding.UTF8.GetString(json));
    }

    [VectorFact]
    public void Write_WithLegacyPublicKey_StillValidatesAgainstTheSchema()
    {
        var doc = FullBuilder().WithLegacyPublicKey("https://files.example.net/ocm#signature", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n").Build();

        Assert.True(Evaluate(OcmJson.Write(doc)).IsValid);
        Assert.Equal("https://files.example.net/ocm#signature", doc.PublicKey!.KeyId);
    }

    [VectorFact]
    public void Schema_OneFourWebAppSendObject_IsRejectedByTheOlderSchema()
    {
        // Known conflict: the shared schema still types `protocols.webapp` as a path string (≤1.3), while 1.4
        // advertises webapp sending as `{}`. Our builder therefore never emits `webapp` (we do not send webapp shares).
        var doc = FullBuilder().AddResourceType("x", ["user"], new DiscoveryProtocols { WebDav = "/dav/ocm/", WebApp = new WebAppSend() }).Build();

        Assert.False(Evaluate(OcmJson.Write(doc)).IsValid);
    }

    [VectorFact]
    public void Schema_VectorDocuments_V122ValidAndV11KeyIdMissing()
    {
        Assert.True(Evaluate(File.ReadAllBytes(TestPaths.Vector("ocm", "v1.2.2", "discovery.assembled.json"))).IsValid);
        Assert.True(Evaluate(File.ReadAllBytes(TestPaths.Vector("ocm", "v1.2.2", "discovery.with-test-keys.json"))).IsValid);

        // The 1.1-era example names the key `id`; the schema requires `keyId`. The lenient reader maps it.
        var v11 = File.ReadAllBytes(TestPaths.Vector("ocm", "v1.1-develop-2024-10", "discovery.assembled.json"));
        Assert.False(Evaluate(v11).IsValid);
        Assert.True(Evaluate(OcmJson.Write(OcmJson.ReadDiscovery(v11) with { ResourceTypes = [] })).IsValid);
    }

    [VectorFact]
    public void Schema_SpecExampleAndPeers_ValidatedWhereTheSchemaAllows()
    {
        // The strict 1.4 example advertises `webapp: {}` (1.4) and fails the older schema for that reason alone.
        var spec = System.Text.Encoding.UTF8.GetBytes(PeerDiscoverySamples.SpecExample);
        Assert.False(Evaluate(spec).IsValid);
        Assert.True(Evaluate(System.Text.Encoding.UTF8.GetBytes(PeerDiscoverySamples.OcmGo)).IsValid);
        Assert.True(Evaluate(System.Text.Encoding.UTF8.GetBytes(PeerDiscoverySamples.Nextcloud)).IsValid);
    }

    [Fact]
    public void Build_MustExchangeTokenWithoutTokenEndPoint_ThrowsListingViolations()
    {
        var builder = new DiscoveryDocumentBuilder(new Uri("https://x.example/ocm"))
            .AddWebDavResourceType("file", "/dav/")
            .WithCriterion(OcmCriteria.MustExchangeToken)
            .WithCapability(OcmCapabilities.HttpSig)
            .WithCapability(OcmCapabilities.Invites);

        var ex = Assert.Throws<InvalidOperationException>(builder.Build);

        Assert.Contains("criterion 'must-exchange-token' without capability 'exchange-token'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'http-sig' is advertised without 'jwksUri'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'invites' is advertised without 'inviteAcceptDialog'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_NoResourceType_Throws()
    {
        var ex = Assert.Throws<InvalidOperationException>(new DiscoveryDocumentBuilder(new Uri("https://x.example/ocm")).Build);

        Assert.Contains("no resource type is advertised", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_DuplicateResourceTypeOrFileWithoutWebDav_Throws()
    {
        var duplicate = new DiscoveryDocumentBuilder(new Uri("https://x.example/ocm"))
            .AddWebDavResourceType("file", "/dav/").AddWebDavResourceType("file", "/dav/");
        var noWebDav = new DiscoveryDocumentBuilder(new Uri("https://x.example/ocm"))
            .AddResourceType("file", ["user"], new DiscoveryProtocols { SshReceive = new SshReceive() });

        Assert.Contains("is listed more than once", Assert.Throws<InvalidOperationException>(duplicate.Build).Message, StringComparison.Ordinal);
        Assert.Contains("does not advertise 'webdav'", Assert.Throws<InvalidOperationException>(noWebDav.Build).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_HttpEndPointForTests_IsAllowed()
    {
        var doc = new DiscoveryDocumentBuilder(new Uri("http://localhost:5080/ocm")).AddWebDavResourceType("file", "/dav/").Build();

        Assert.Equal("http://localhost:5080/ocm", doc.EndPoint);
    }

    [Fact]
    public void Constructor_RelativeOrNonHttpEndPoint_Throws()
    {
        Assert.Throws<ArgumentException>(() => new DiscoveryDocumentBuilder(new Uri("/ocm", UriKind.Relative)));
        Assert.Throws<ArgumentException>(() => new DiscoveryDocumentBuilder(new Uri("ftp://x.example/ocm")));
    }
}
