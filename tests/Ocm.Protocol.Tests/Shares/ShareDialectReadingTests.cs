using System.Text;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.Shares;

// Lenient reader: every share dialect deployed peers send lands in the same normalized model (OCM §Share Creation
// Notification › Fields).
public sealed class ShareDialectReadingTests
{
    public static TheoryData<string, string> Dialects => new()
    {
        { "ocm14", PeerShareSamples.Ocm14 },
        { "nextcloud", PeerShareSamples.Nextcloud },
        { "sharedByOnly", PeerShareSamples.SharedByOnly },
        { "owncloud10", PeerShareSamples.OwnCloud10 },
        { "reva", PeerShareSamples.Reva },
        { "ocis", PeerShareSamples.Ocis },
        { "opencloud", PeerShareSamples.OpenCloud },
        { "stub", PeerShareSamples.Stub },
        { "noProtocolName", PeerShareSamples.NoProtocolName },
        { "ocm15Extras", PeerShareSamples.Ocm15Extras },
        { "multiProtocol", PeerShareSamples.MultiProtocol },
    };

    private static NewShare Read(string json) => OcmJson.ReadShare(Encoding.UTF8.GetBytes(json));

    [Theory]
    [MemberData(nameof(Dialects))]
    public void ReadShare_AnyPeerDialect_NormalizesToTheSameCoreShare(string dialect, string json)
    {
        var share = Read(json);

        Assert.True(share.ShareWith == OcmAddress.Parse("bob@recv.example.com"), dialect);
        Assert.Equal("bob@recv.example.com", share.ShareWith.ToString());
        Assert.Equal("alice@files.example.net", share.Owner.ToString());
        Assert.Equal("alice@files.example.net", share.Sender.ToString());
        Assert.Equal("report.pdf", share.Name);
        Assert.Equal("42", share.ProviderId);
        Assert.Equal(ShareTypes.User, share.ShareType);
        Assert.Equal(ResourceTypes.File, share.ResourceType);
        Assert.NotNull(share.Protocol.WebDav);
        Assert.Equal("s3cr3t", share.Protocol.WebDav.SharedSecret);
        Assert.Contains(WebDavPermissions.Read, share.Protocol.WebDav.Permissions);
    }

    [Fact]
    public void ReadShare_Nextcloud_MapsLegacyOptionsToWebDavWithoutUri()
    {
        var share = Read(PeerShareSamples.Nextcloud);

        var webdav = share.Protocol.WebDav!;
        Assert.True(share.Protocol.IsLegacyOptionsForm);
        Assert.True(webdav.IsLegacy);
        Assert.Null(webdav.Uri); // resolved from the sender's discovery (OCM §Resource Access step 5)
        Assert.Equal("{http://open-cloud-mesh.org/ns}share-permissions", webdav.LegacyPermissions);
        Assert.Equal(["read"], webdav.Permissions); // read-only when absent
        Assert.Equal("Alice", share.SenderDisplayName);
    }

    [Fact]
    public void ReadShare_SharedByOnly_UsesSharedByAsSender()
    {
        var share = Read(PeerShareSamples.SharedByOnly);

        Assert.Equal("Alice", share.SenderDisplayName);
        Assert.Equal("Alice", share.OwnerDisplayName);
    }

    [Fact]
    public void ReadShare_NoSenderAtAll_FallsBackToOwner()
    {
        var share = Read(PeerShareSamples.OwnCloud10.Replace("\"sender\": \"alice@files.example.net\",", "", StringComparison.Ordinal));

        Assert.Equal(share.Owner, share.Sender);
    }

    [Fact]
    public void ReadShare_Ocis_ReadsUrlAsUriAndKeepsLegacyWebAppUnusable()
    {
        var share = Read(PeerShareSamples.Ocis);

        Assert.Equal("https://files.example.net/dav/ocm/42", share.Protocol.WebDav!.Uri);
        Assert.True(share.Protocol.WebDav.HasAbsoluteUri);
        Assert.Null(share.Protocol.WebApp);
        Assert.True(share.Protocol.LegacyWebApp!.IsLegacy);
        Assert.Equal("read", share.Protocol.LegacyWebApp.LegacyViewMode);
        Assert.NotNull(share.Protocol.LegacyWebApp.LegacyUriTemplate);
        Assert.False(share.Protocol.IsLegacyOptionsForm);
    }

    [Fact]
    public void ReadShare_Stub_TakesSecretFromOptionsAndUriFromUpperCaseMember()
    {
        var webdav = Read(PeerShareSamples.Stub).Protocol.WebDav!;

        Assert.Equal("https://files.example.net/dav/ocm/42", webdav.Uri);
        Assert.Equal("s3cr3t", webdav.SharedSecret);
        Assert.False(webdav.IsLegacy);
    }

    [Fact]
    public void ReadShare_NoProtocolName_DefaultsToMulti()
    {
        var share = Read(PeerShareSamples.NoProtocolName);

        Assert.Equal(ProtocolNames.Multi, share.Protocol.Name); // the default when absent
        Assert.Equal("42", share.Protocol.WebDav!.Uri);
        Assert.False(share.Protocol.WebDav.HasAbsoluteUri);
    }

    [Fact]
    public void ReadShare_MultiProtocol_ReadsEveryProtocolAndKeepsUnknownOnes()
    {
        var protocol = Read(PeerShareSamples.MultiProtocol).Protocol;

        Assert.Equal(["read", "write"], protocol.WebDav!.Permissions);
        Assert.True(protocol.WebDav.MustExchangeToken);
        Assert.Equal(["blank"], protocol.WebApp!.Targets);
        Assert.Equal("Editor", protocol.WebApp.AppName);
        Assert.False(protocol.WebApp.IsLegacy);
        Assert.Equal("ocm42@files.example.net:22/report.pdf", protocol.Ssh!.Uri);
        Assert.Equal(["datatx"], protocol.Ssh.AccessTypes);
        Assert.Equal("r-1", protocol.OtherProtocols!["talk"].GetProperty("roomId").GetString());
        Assert.Equal(["webdav", "webapp", "ssh", "talk"], protocol.OfferedProtocols);
    }

    [Fact]
    public void ReadShare_LegacyDataTxOnly_BecomesWebDavWithDataTxAccess()
    {
        var share = Read("""
            { "shareWith": "bob@recv.example.com", "name": "big.iso", "providerId": "9",
              "owner": "alice@files.example.net", "sender": "alice@files.example.net",
              "shareType": "user", "resourceType": "file",
              "protocol": { "name": "multi",
                "datatx": { "srcUri": "https://files.example.net/dav/ocm/9", "sharedSecret": "s", "size": 100000 } } }
            """);

        Assert.Equal("https://files.example.net/dav/ocm/9", share.Protocol.WebDav!.Uri);
        Assert.Equal(["datatx"], share.Protocol.WebDav.AccessTypes);
        Assert.Equal(100000, share.Protocol.WebDav.Size);
    }

    [Theory]
    [InlineData("mfa-enforced", "must-use-mfa")]
    [InlineData("use-code", "must-exchange-token")]
    public void ReadShare_LegacyRequirementNames_AreRenamed(string legacy, string current)
    {
        var json = PeerShareSamples.Ocm14.Replace("\"must-exchange-token\"", "\"" + legacy + "\"", StringComparison.Ordinal);

        Assert.Equal([current], Read(json).Protocol.WebDav!.Requirements);
    }

    [Fact]
    public void ReadShare_NumericStringExpiration_IsAccepted()
    {
        var share = Read(PeerShareSamples.Ocm14.Replace("1798761600", "\"1798761600\"", StringComparison.Ordinal));

        Assert.Equal(1798761600, share.Expiration);
        Assert.Equal(new DateTimeOffset(2027, 1, 1, 0, 0, 0, TimeSpan.Zero), share.ExpiresAt);
    }

    [Fact]
    public void ValidateShare_SeafileApiProtocol_IsUnsupportedNotInvalid()
    {
        var result = OcmJson.ValidateShare(Encoding.UTF8.GetBytes(PeerShareSamples.SeafileApi));

        Assert.Equal(OcmReadOutcome.Unsupported, result.Outcome);
        Assert.Equal(501, result.SuggestedStatusCode);
        Assert.NotNull(result.Value);
        Assert.Contains(result.Error!.ValidationErrors!, e => e.Name == "resourceType" && e.Message == ValidationMessages.UnsupportedResourceType);
        Assert.Contains(result.Error.ValidationErrors!, e => e.Name == "protocol" && e.Message == ValidationMessages.UnsupportedProtocol);
    }

    [Fact]
    public async Task ReadShareAsync_Stream_ReadsTheSameModel()
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(PeerShareSamples.Reva));

        var share = await OcmJson.ReadShareAsync(stream);

        Assert.Equal("42", share.ProviderId);
    }

    [Theory]
    [InlineData("https://files.example.net/dav/ocm/42", "https://other.example/dav/", "https://files.example.net/dav/ocm/42")] // absolute wins
    [InlineData("42", "https://files.example.net/dav/ocm/", "https://files.example.net/dav/ocm/42")]
    [InlineData("/42/", "https://files.example.net/dav/ocm", "https://files.example.net/dav/ocm/42")] // exactly one slash
    [InlineData("a b/c%20d", "https://files.example.net/dav/ocm/", "https://files.example.net/dav/ocm/a%20b/c%20d")] // segments encoded once
    public void ResolveUri_WebDavShare_JoinsWithTheSendersRoot(string uri, string root, string expected)
    {
        var webdav = new WebDavProtocol { Uri = uri, SharedSecret = "s" };

        Assert.Equal(expected, webdav.ResolveUri(new Uri(root))!.AbsoluteUri);
    }

    [Fact]
    public void ResolveUri_LegacyOptionsShare_IsTheRootItself()
    {
        var webdav = Read(PeerShareSamples.Nextcloud).Protocol.WebDav!;

        Assert.Equal("https://files.example.net/public.php/webdav/", webdav.ResolveUri(new Uri("https://files.example.net/public.php/webdav"))!.AbsoluteUri);
        Assert.Null(webdav.ResolveUri(null));
    }
}
