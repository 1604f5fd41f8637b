using System.Text;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;

namespace Ocm.Protocol.Tests.Discovery;

// Dialect detection, violations of OCM §OCM API Discovery › Fields, and the helpers other code uses (the WebDAV root
// of OCM §Resource Access step 1, the receiver's advertised combinations of OCM §Share Creation Notification).
public sealed class DiscoveryAnalysisTests
{
    private static DiscoveryAnalysis Analyze(string json) => DiscoveryAnalysis.Analyze(Encoding.UTF8.GetBytes(json));

    private static DiscoveryDocument Read(string json) => OcmJson.ReadDiscovery(Encoding.UTF8.GetBytes(json));

    public static TheoryData<string, OcmDialect, ShareDialect> Peers => new()
    {
        { PeerDiscoverySamples.SpecExample, OcmDialect.Ocm14, ShareDialect.Ocm14 },
        { PeerDiscoverySamples.OcmGo, OcmDialect.Ocm14, ShareDialect.Ocm14 },
        { PeerDiscoverySamples.Reva, OcmDialect.RevaFamily, ShareDialect.RevaCompatible },
        { PeerDiscoverySamples.Ocis, OcmDialect.RevaFamily, ShareDialect.RevaCompatible },
        { PeerDiscoverySamples.Nextcloud, OcmDialect.NextcloudLegacy, ShareDialect.NextcloudLegacy },
        { PeerDiscoverySamples.Stub, OcmDialect.NextcloudLegacy, ShareDialect.NextcloudLegacy },
        { PeerDiscoverySamples.OwnCloud10, OcmDialect.OwnCloud10, ShareDialect.NextcloudLegacy },
        { PeerDiscoverySamples.Seafile, OcmDialect.Seafile, ShareDialect.NextcloudLegacy },
        { PeerDiscoverySamples.SeafileViaWebDav, OcmDialect.Seafile, ShareDialect.NextcloudLegacy },
        { """{"enabled":true,"endPoint":"https://x.example/ocm","resourceTypes":[]}""", OcmDialect.Unknown, ShareDialect.RevaCompatible },
    };

    [Theory]
    [MemberData(nameof(Peers))]
    public void Analyze_PeerDocument_DetectsDialectAndShareShape(string json, OcmDialect dialect, ShareDialect shareDialect)
    {
        var analysis = Analyze(json);

        Assert.Equal(dialect, analysis.Dialect);
        Assert.Equal(shareDialect, analysis.ShareDialect);
    }

    [Fact]
    public void Analyze_NextcloudWithoutRawJson_StillDetectedFromApiVersion()
    {
        Assert.Equal(OcmDialect.NextcloudLegacy, DiscoveryAnalysis.Analyze(Read(PeerDiscoverySamples.Nextcloud)).Dialect);
    }

    [Theory]
    [InlineData(nameof(PeerDiscoverySamples.SpecExample))]
    [InlineData(nameof(PeerDiscoverySamples.OcmGo))]
    public void Analyze_Strict14Document_HasNoViolations(string sample)
    {
        var json = (string)typeof(PeerDiscoverySamples).GetField(sample)!.GetValue(null)!;

        var analysis = Analyze(json);

        Assert.True(analysis.IsConformant, string.Join(" | ", analysis.Violations));
    }

    [Fact]
    public void Analyze_BrokenDocument_ListsEveryViolation()
    {
        var analysis = Analyze("""
            { "apiVersion": "1.0-proposal1", "endPoint": "http://x.example/ocm",
              "resourceTypes": [
                { "name": "file", "shareTypes": ["group"], "protocols": { "webdav-receive": { "uri": "sometimes" } } },
                { "name": "file", "shareTypes": ["user"], "protocols": { "webapp": "/apps/ocm/", "webapp-receive": { "targets": ["popup"] } } },
                { "name": "folder", "protocols": {} } ],
              "capabilities": ["http-sig", "exchange-token", "invites", "receive-code", "webdav-uri"],
              "criteria": ["code", "must-use-http-sig"],
              "publicKey": { "keyId": "k", "publicKeyPem": "p" } }
            """);

        var all = string.Join("\n", analysis.Violations);
        string[] expected =
        [
            "'enabled' is missing (REQUIRED)",
            "\"1.0-proposal1\" is not a semantic version",
            "'endPoint' must use https",
            "resource type 'file' is listed more than once",
            "does not list share type 'user'",
            "resource type 'file' does not advertise 'webdav'",
            "must be \"absolute\" or \"relative\"",
            "'webapp-receive.targets' of 'file' must list",
            "resource type 'folder' advertises no protocol",
            "a 'resourceTypes' item lacks 'shareTypes'",
            "'exchange-token' is advertised without 'tokenEndPoint'",
            "'http-sig' is advertised without 'jwksUri'",
            "'invites' is advertised without 'inviteAcceptDialog'",
            "legacy name 'receive-code'",
            "legacy name 'code'",
            "'webdav-uri' is superseded",
            "'publicKey' (draft-cavage) was removed",
            "'protocols.webapp' is a ≤1.3 path string",
        ];
        foreach (var fragment in expected)
        {
            Assert.Contains(fragment, all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Analyze_MustExchangeTokenWithoutCapability_IsViolation()
    {
        var analysis = Analyze(PeerDiscoverySamples.OcmGo.Replace("\"exchange-token\", ", string.Empty, StringComparison.Ordinal));

        Assert.Contains(analysis.Violations, v => v.Contains("criterion 'must-exchange-token' without capability 'exchange-token'", StringComparison.Ordinal));
    }

    [Fact]
    public void Analyze_MissingRequiredFieldsAndEmptyResourceTypes_AreViolations()
    {
        var analysis = Analyze("{}");

        Assert.Contains(analysis.Violations, v => v.Contains("'apiVersion' is missing", StringComparison.Ordinal));
        Assert.Contains(analysis.Violations, v => v.Contains("'endPoint' is missing", StringComparison.Ordinal));
        Assert.Contains(analysis.Violations, v => v.Contains("'resourceTypes' is missing", StringComparison.Ordinal));
        Assert.Contains(analysis.Violations, v => v.Contains("no resource type is advertised", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("enforce-mfa", true)]
    [InlineData("/mfa-capable", true)]
    [InlineData("http-sig", false)]
    public void SupportsCapability_LegacySpellings_AreRecognized(string capability, bool expected)
    {
        var doc = Read("""{"enabled":true,"apiVersion":"1.1.0","endPoint":"https://x.example/ocm","resourceTypes":[],"capabilities":["/mfa-capable"]}""");

        Assert.Equal(expected, doc.SupportsCapability(capability));
    }

    [Theory]
    [InlineData(nameof(PeerDiscoverySamples.SpecExample), null, "https://files.example.net/dav/ocm/")]
    [InlineData(nameof(PeerDiscoverySamples.Nextcloud), "file", "https://nc.example/public.php/webdav/")] // not under /index.php
    [InlineData(nameof(PeerDiscoverySamples.Ocis), "file", "https://ocis.example/dav/ocm/")] // trailing slash added
    [InlineData(nameof(PeerDiscoverySamples.SeafileViaWebDav), "file", "https://seafile.example/seafdav/")] // no leading slash
    [InlineData(nameof(PeerDiscoverySamples.Reva), "ro-crate", "https://cernbox.example/remote.php/dav/ocm/")] // OCM §Resource Access step 1: the first entry with webdav
    public void GetWebDavRoot_AnyPeer_IsAbsoluteWithOneTrailingSlash(string sample, string? resourceType, string expected)
    {
        var json = (string)typeof(PeerDiscoverySamples).GetField(sample)!.GetValue(null)!;

        Assert.Equal(expected, Read(json).GetWebDavRoot(resourceType)!.AbsoluteUri);
    }

    [Fact]
    public void GetWebDavRoot_AbsoluteUrlAdvertised_IsUsedAsIs()
    {
        var doc = Read("""
            {"enabled":true,"apiVersion":"1.1.0","endPoint":"https://a.example/ocm",
             "resourceTypes":[{"name":"file","shareTypes":["user"],"protocols":{"webdav":"https://dav.example:8443/remote//"}}]}
            """);

        Assert.Equal("https://dav.example:8443/remote/", doc.GetWebDavRoot()!.AbsoluteUri);
    }

    [Fact]
    public void GetWebDavRoot_NoWebDavOrBadEndPoint_IsNull()
    {
        Assert.Null(Read(PeerDiscoverySamples.Seafile).GetWebDavRoot());
        Assert.Null(Read("""{"endPoint":"not a url","resourceTypes":[{"name":"file","protocols":{"webdav":"/dav/"}}]}""").GetWebDavRoot());
    }

    [Fact]
    public void GetEndPointUri_Always_HasOneTrailingSlash()
    {
        Assert.Equal("https://nc.example/index.php/ocm/", Read(PeerDiscoverySamples.Nextcloud).GetEndPointUri()!.AbsoluteUri);
        Assert.Equal("https://ocis.example/ocm/", Read(PeerDiscoverySamples.Ocis).GetEndPointUri()!.AbsoluteUri);
    }

    [Theory]
    [InlineData(nameof(PeerDiscoverySamples.SpecExample), "folder", "webapp", "user", true)]
    [InlineData(nameof(PeerDiscoverySamples.SpecExample), "file", "webapp", "user", false)]
    [InlineData(nameof(PeerDiscoverySamples.SpecExample), "folder", "webdav", "group", true)]
    [InlineData(nameof(PeerDiscoverySamples.SpecExample), "file", "webdav", "group", false)]
    [InlineData(nameof(PeerDiscoverySamples.OcmGo), "folder", "webdav", "user", false)]
    [InlineData(nameof(PeerDiscoverySamples.OcmGo), "file", "ssh", "user", false)]
    [InlineData(nameof(PeerDiscoverySamples.Reva), "ro-crate", "embedded", "user", true)]
    [InlineData(nameof(PeerDiscoverySamples.Nextcloud), "file", "webdav", "group", true)] // predates -receive keys
    [InlineData(nameof(PeerDiscoverySamples.Nextcloud), "folder", "webdav", "user", false)]
    [InlineData(nameof(PeerDiscoverySamples.Seafile), "file", "webdav", "user", true)] // file/user/webdav MAY be assumed (OCM §Share Creation Notification)
    public void CanReceive_Combination_FollowsAdvertisedReceiveKeys(string sample, string resourceType, string protocol, string shareType, bool expected)
    {
        var json = (string)typeof(PeerDiscoverySamples).GetField(sample)!.GetValue(null)!;

        Assert.Equal(expected, Read(json).CanReceive(resourceType, protocol, shareType));
    }

    [Fact]
    public void HasCriterion_LegacyName_IsRecognized()
    {
        var doc = Read(PeerDiscoverySamples.OcmGo);

        Assert.True(doc.HasCriterion("token-exchange"));
        Assert.True(doc.HasCriterion(OcmCriteria.MustInvite));
        Assert.False(doc.HasCriterion(OcmCriteria.Allowlist));
    }
}
