using System.Text;
using System.Text.Json;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;

namespace Ocm.Protocol.Tests.Shares;

// Strict writer (OCM 1.4 §Share Creation Notification › Fields) and the legacy shapes older peers need.
public sealed class ShareWritingTests
{
    private static NewShare Share(string? senderDisplayName = "Alice") => new()
    {
        ShareWith = OcmAddress.Parse("bob@recv.example.com"),
        Name = "report.pdf",
        ProviderId = "42",
        Owner = OcmAddress.Parse("alice@files.example.net"),
        Sender = OcmAddress.Parse("alice@files.example.net"),
        OwnerDisplayName = "Alice",
        SenderDisplayName = senderDisplayName,
        ShareType = ShareTypes.User,
        ResourceType = ResourceTypes.File,
        Protocol = new ShareProtocol
        {
            WebDav = new WebDavProtocol
            {
                Uri = "https://files.example.net/dav/ocm/42",
                SharedSecret = "s3cr3t",
                Permissions = [WebDavPermissions.Read],
                Requirements = [ShareRequirements.MustExchangeToken],
            },
        },
    };

    private static JsonElement Root(byte[] bytes) => JsonDocument.Parse(bytes).RootElement;

    [Fact]
    public void Write_Ocm14_EmitsExactlySpecMembers()
    {
        var root = Root(OcmJson.Write(Share()));

        var names = root.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(
            ["shareWith", "name", "providerId", "owner", "sender", "ownerDisplayName", "senderDisplayName", "shareType", "resourceType", "protocol"],
            names);
        var protocol = root.GetProperty("protocol");
        Assert.Equal("multi", protocol.GetProperty("name").GetString());
        Assert.False(protocol.TryGetProperty("options", out _));
        var webdav = protocol.GetProperty("webdav");
        Assert.Equal(["uri", "sharedSecret", "permissions", "requirements"], webdav.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.False(root.TryGetProperty("sharedBy", out _));
    }

    [Fact]
    public void Write_Ocm14_AddressesNeverCarryAScheme()
    {
        var share = Share() with { ShareWith = OcmAddress.Parse("bob@https://recv.example.com/") };

        Assert.Equal("bob@recv.example.com", Root(OcmJson.Write(share)).GetProperty("shareWith").GetString());
    }

    [Fact]
    public void Write_RevaCompatible_AddsEmptyOptions()
    {
        var protocol = Root(OcmJson.Write(Share(), ShareDialect.RevaCompatible)).GetProperty("protocol");

        Assert.Equal("multi", protocol.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Object, protocol.GetProperty("options").ValueKind);
        Assert.Empty(protocol.GetProperty("options").EnumerateObject());
        Assert.Equal("s3cr3t", protocol.GetProperty("webdav").GetProperty("sharedSecret").GetString());
    }

    [Fact]
    public void Write_NextcloudLegacy_EmitsOptionsAndSharedByNextToSpecFields()
    {
        var root = Root(OcmJson.Write(Share(), ShareDialect.NextcloudLegacy));

        Assert.Equal("alice@files.example.net", root.GetProperty("sender").GetString());
        Assert.Equal("alice@files.example.net", root.GetProperty("sharedBy").GetString());
        Assert.Equal("Alice", root.GetProperty("sharedByDisplayName").GetString());
        var protocol = root.GetProperty("protocol");
        Assert.Equal("webdav", protocol.GetProperty("name").GetString());
        Assert.Equal("s3cr3t", protocol.GetProperty("options").GetProperty("sharedSecret").GetString());
        Assert.Equal("{http://open-cloud-mesh.org/ns}share-permissions", protocol.GetProperty("options").GetProperty("permissions").GetString());
        Assert.Equal("https://files.example.net/dav/ocm/42", protocol.GetProperty("webdav").GetProperty("uri").GetString());
    }

    [Fact]
    public void Write_NextcloudLegacyWithoutDisplayName_OmitsSharedByDisplayName()
    {
        var root = Root(OcmJson.Write(Share(senderDisplayName: null), ShareDialect.NextcloudLegacy));

        Assert.False(root.TryGetProperty("sharedByDisplayName", out _));
        Assert.False(root.TryGetProperty("senderDisplayName", out _));
    }

    [Theory]
    [InlineData(ShareDialect.Ocm14)]
    [InlineData(ShareDialect.RevaCompatible)]
    [InlineData(ShareDialect.NextcloudLegacy)]
    public void Write_AnyDialect_ReadsBackToTheSameShare(ShareDialect dialect)
    {
        var original = Share();

        var read = OcmJson.ReadShare(OcmJson.Write(original, dialect));

        Assert.Equal(original.ShareWith, read.ShareWith);
        Assert.Equal(original.Sender, read.Sender);
        Assert.Equal(original.SenderDisplayName, read.SenderDisplayName);
        Assert.Equal(original.ProviderId, read.ProviderId);
        Assert.Equal(original.Protocol.WebDav!.Uri, read.Protocol.WebDav!.Uri);
        Assert.Equal(original.Protocol.WebDav.SharedSecret, read.Protocol.WebDav.SharedSecret);
        Assert.Equal(original.Protocol.WebDav.Requirements, read.Protocol.WebDav.Requirements);
    }

    [Fact]
    public void Write_LegacyFieldsReadFromPeers_AreNeverWritten()
    {
        var share = OcmJson.ReadShare(Encoding.UTF8.GetBytes(PeerShareSamples.Ocis));

        var json = Encoding.UTF8.GetString(OcmJson.Write(share));

        Assert.DoesNotContain("viewMode", json, StringComparison.Ordinal);
        Assert.DoesNotContain("uriTemplate", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\"url\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("datatx\":", json, StringComparison.Ordinal);
        Assert.Contains("\"uri\":\"https://files.example.net/dav/ocm/42\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_UnknownProtocols_AreKeptVerbatim()
    {
        var share = OcmJson.ReadShare(Encoding.UTF8.GetBytes(PeerShareSamples.MultiProtocol));

        var protocol = Root(OcmJson.Write(share)).GetProperty("protocol");

        Assert.Equal("r-1", protocol.GetProperty("talk").GetProperty("roomId").GetString());
        Assert.Equal("ocm42@files.example.net:22/report.pdf", protocol.GetProperty("ssh").GetProperty("uri").GetString());
    }

    [Fact]
    public void Write_ShareCreatedResponse_EmitsRecipientFields()
    {
        var bytes = OcmJson.Write(new ShareCreatedResponse { RecipientDisplayName = "Bob", RecipientPublicKeys = ["ssh-ed25519 AAAA bob"] });

        Assert.Equal("""{"recipientDisplayName":"Bob","recipientPublicKeys":["ssh-ed25519 AAAA bob"]}""", Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("""{"recipientDisplayName":"Bob","recipientUserId":"bob"}""", "Bob", 0)]
    [InlineData("""{"recipientPublicKeys":"ssh-ed25519 AAAA bob"}""", null, 1)] // a string, as the draft's text has it
    [InlineData("""{}""", null, 0)] // tolerate absence
    public void ReadShareCreatedResponse_PeerVariants_AreTolerated(string json, string? displayName, int keys)
    {
        var response = OcmJson.ReadShareCreatedResponse(Encoding.UTF8.GetBytes(json));

        Assert.Equal(displayName, response.RecipientDisplayName);
        Assert.Equal(keys, response.RecipientPublicKeys?.Count ?? 0);
    }

    [Fact]
    public void OcmJsonContext_StrictDocument_RoundTripsWithoutTheLenientReader()
    {
        var share = OcmJson.ReadShare(Encoding.UTF8.GetBytes(PeerShareSamples.MultiProtocol));
        var bytes = OcmJson.Write(share);

        var viaContext = JsonSerializer.Deserialize(bytes, OcmJsonContext.Default.NewShare)!;

        Assert.Equal(share.ShareWith, viaContext.ShareWith);
        Assert.Equal(share.Protocol.WebApp!.Targets, viaContext.Protocol.WebApp!.Targets);
        Assert.Equal(bytes, JsonSerializer.SerializeToUtf8Bytes(viaContext, OcmJsonContext.Default.NewShare));
    }

    [Fact]
    public async Task WriteAsync_GenericWireType_UsesTheContext()
    {
        using var stream = new MemoryStream();

        await OcmJson.WriteAsync(stream, new ShareCreatedResponse { RecipientDisplayName = "Bob" });

        Assert.Equal("""{"recipientDisplayName":"Bob"}""", Encoding.UTF8.GetString(stream.ToArray()));
        await Assert.ThrowsAsync<ArgumentException>(() => OcmJson.WriteAsync(stream, new NotAWireType("x")));
    }

    [Fact]
    public async Task WriteAsync_Share_WritesTheSameBytes()
    {
        using var stream = new MemoryStream();

        await OcmJson.WriteAsync(stream, Share(), ShareDialect.Ocm14);

        Assert.Equal(OcmJson.Write(Share()), stream.ToArray());
    }

    private sealed record NotAWireType(string Value);
}
