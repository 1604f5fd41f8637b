using System.Text;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;

namespace Ocm.Protocol.Tests.Discovery;

// Lenient discovery reading: OCM §OCM API Discovery › Fields, and every shape deployed peers publish.
public sealed class DiscoveryReadingTests
{
    private static DiscoveryDocument Read(string json) => OcmJson.ReadDiscovery(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ReadDiscovery_SpecExample_ReadsEveryField()
    {
        var doc = Read(PeerDiscoverySamples.SpecExample);

        Assert.True(doc.Enabled);
        Assert.Equal("1.4.0", doc.ApiVersion);
        Assert.Equal("ExampleFiles", doc.Provider);
        Assert.Equal(2, doc.ResourceTypes.Count);
        var folder = doc.FindResourceType("folder")!;
        Assert.Equal(["user", "group"], folder.ShareTypes);
        Assert.Equal("/dav/ocm/", folder.Protocols.WebDav);
        Assert.Equal(WebDavUriForms.Relative, folder.Protocols.WebDavReceive!.Uri);
        Assert.NotNull(folder.Protocols.WebApp);
        Assert.Equal(["blank"], folder.Protocols.WebAppReceive!.Targets);
        Assert.Equal(["must-use-http-sig"], doc.Criteria);
        Assert.Equal("https://files.example.net/ocm/jwks", doc.GetJwksUri()!.AbsoluteUri);
        Assert.Equal("/apps/ocm/accept-invite", doc.InviteAcceptDialog);
    }

    [Fact]
    public void ReadDiscovery_Nextcloud_MapsCapabilityNamesAndKeepsCavageKey()
    {
        var doc = Read(PeerDiscoverySamples.Nextcloud);

        Assert.Equal(["invites", "notifications", "shares"], doc.Capabilities);
        Assert.True(doc.SupportsCapability("invite-accepted"));
        Assert.Equal("https://nc.example/ocm#signature", doc.PublicKey!.KeyId);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", doc.PublicKey.PublicKeyPem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDiscovery_OwnCloud10ShareTypesKey_BecomesResourceTypes()
    {
        var doc = Read(PeerDiscoverySamples.OwnCloud10);

        var file = Assert.Single(doc.ResourceTypes);
        Assert.Equal("file", file.Name);
        Assert.Equal(["user"], file.ShareTypes); // default when the legacy entry has none
        Assert.Equal("/public.php/webdav/", file.Protocols.WebDav);
    }

    [Fact]
    public void ReadDiscovery_SeafileSingleObject_BecomesOneEntryAndKeepsItsProtocol()
    {
        var doc = Read(PeerDiscoverySamples.Seafile);

        var library = Assert.Single(doc.ResourceTypes);
        Assert.Equal("library", library.Name);
        Assert.True(library.Protocols.Other!.ContainsKey("Seafile API"));
    }

    [Fact]
    public void ReadDiscovery_StubLowercaseEndpointAndBarePem_AreRead()
    {
        var doc = Read(PeerDiscoverySamples.Stub);

        Assert.Equal("https://stub.example/ocm", doc.EndPoint);
        Assert.Null(doc.PublicKey!.KeyId);
        Assert.Contains("MIIB", doc.PublicKey.PublicKeyPem, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDiscovery_LegacyCapabilityAndCriterionNames_AreMapped()
    {
        var doc = Read("""
            { "enabled": true, "apiVersion": "1.2.0", "endPoint": "https://x.example/ocm", "resourceTypes": [],
              "capabilities": ["/notifications", "/invite-accepted", "/mfa-capable", "receive-code", "webdav-uri"],
              "criteria": ["http-request-signatures", "code", "token-exchange", "invite", "denylist"] }
            """);

        Assert.Equal(["notifications", "invites", "enforce-mfa", "exchange-token", "webdav-uri"], doc.Capabilities);
        Assert.Equal(["must-use-http-sig", "must-exchange-token", "must-invite", "denylist"], doc.Criteria);
    }

    [Fact]
    public void ReadDiscovery_WrongTypesAndUnknownKeys_AreToleratedNotFatal()
    {
        var doc = Read("""
            { "enabled": "true", "apiVersion": 1.4, "endPoint": "https://x.example/ocm", "surprise": [1, 2],
              "capabilities": "http-sig", "criteria": 5,
              "resourceTypes": [ 7, { "noName": true },
                { "name": "file", "shareTypes": "user", "protocols": { "webdav": 3, "webdav-receive": "absolute", "webapp-receive": [], "x-custom": { "a": 1 } } } ] }
            """);

        Assert.True(doc.Enabled);
        Assert.Equal("1.4", doc.ApiVersion);
        Assert.Equal(["http-sig"], doc.Capabilities);
        Assert.Empty(doc.Criteria);
        var file = Assert.Single(doc.ResourceTypes);
        Assert.Equal(["user"], file.ShareTypes);
        Assert.Null(file.Protocols.WebDav);
        Assert.Equal("absolute", file.Protocols.WebDavReceive!.Uri);
        Assert.True(file.Protocols.Other!.ContainsKey("webdav"));
        Assert.True(file.Protocols.Other.ContainsKey("x-custom"));
    }

    [Fact]
    public void ReadDiscovery_NotAnObject_Throws()
    {
        Assert.Throws<OcmFormatException>(() => OcmJson.ReadDiscovery("[]"u8));
    }

    [Fact]
    public void Write_ReadDocument_RoundTripsOtherProtocolsAndReceiveKeys()
    {
        var doc = Read(PeerDiscoverySamples.Reva);

        var again = OcmJson.ReadDiscovery(OcmJson.Write(doc));

        Assert.Equal(doc.ResourceTypes.Count, again.ResourceTypes.Count);
        Assert.True(again.FindResourceType("ro-crate")!.Protocols.Other!.ContainsKey("embedded-receive"));
        Assert.Equal(WebDavUriForms.Absolute, again.ResourceTypes[0].Protocols.WebDavReceive!.Uri);
        Assert.Equal(doc.Capabilities, again.Capabilities);
    }

    [Fact]
    public async Task ReadDiscoveryAsync_Stream_ReadsTheSameDocument()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(PeerDiscoverySamples.OcmGo));

        var doc = await OcmJson.ReadDiscoveryAsync(stream);

        Assert.Equal("OpenCloudMesh", doc.Provider);
    }
}
