using System.Text;
using System.Text.Json;
using Ocm.Protocol.Json;
using Ocm.Protocol.Notifications;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.Notifications;

// OCM §Share Acceptance Notification, the types of the OCM Notification Types Registry (plus USER_REMOVED of
// the OpenAPI document and reva's SHARE_CHANGE_PERMISSION), and the shapes peers send.
public sealed class NotificationTests
{
    private static NewNotification Read(string json) => OcmJson.ReadNotification(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ReadNotification_NextcloudShareAccepted_KeepsSharedSecretAndMessage()
    {
        var n = Read("""
            { "notificationType": "SHARE_ACCEPTED", "resourceType": "file", "providerId": 17,
              "notification": { "sharedSecret": "s3cr3t", "message": "Recipient accepted the share" } }
            """);

        Assert.Equal(NotificationTypes.ShareAccepted, n.NotificationType);
        Assert.Equal("17", n.ProviderId);
        Assert.Equal("s3cr3t", n.Notification!.SharedSecret);
        Assert.Equal("Recipient accepted the share", n.Notification.Message);
    }

    [Fact]
    public void ReadNotification_OcisPermissionChange_ReadsGranteeAndProtocol()
    {
        var n = Read("""
            { "notificationType": "SHARE_CHANGE_PERMISSION", "resourceType": "file", "providerId": "abc",
              "notification": { "grantee": "bob@https://recv.example.com",
                "protocol": { "name": "multi", "webdav": { "url": "https://f.example/dav/ocm/abc", "sharedSecret": "s", "permissions": ["read", "write"] } } } }
            """);

        Assert.True(NotificationTypes.IsPermissionChange(n.NotificationType)); // both spellings
        Assert.True(NotificationTypes.IsPermissionChange(NotificationTypes.ReshareChangePermission));
        Assert.Equal("bob@https://recv.example.com", n.Notification!.Grantee);
        Assert.Equal(["read", "write"], n.Notification.Protocol!.WebDav!.Permissions);
        Assert.Equal("https://f.example/dav/ocm/abc", n.Notification.Protocol.WebDav.Uri);
    }

    [Fact]
    public void ReadNotification_NextcloudRequestReshare_ReadsReshareFields()
    {
        var n = Read("""
            { "notificationType": "REQUEST_RESHARE", "resourceType": "file", "providerId": "5",
              "notification": { "sharedSecret": "s", "shareWith": "carol@third.example", "senderId": "bob", "shareType": 0 } }
            """);

        Assert.Equal("carol@third.example", n.Notification!.ShareWith);
        Assert.Equal("bob", n.Notification.SenderId);
        Assert.Equal("0", n.Notification.ShareType);
    }

    [Fact]
    public void ReadNotification_StubTypeKey_IsNotificationType()
    {
        Assert.Equal(NotificationTypes.ShareDeclined, Read("""{ "type": "SHARE_DECLINED", "providerId": "1" }""").NotificationType);
    }

    [Fact]
    public void ReadNotification_Reported15Shape_TakesProviderIdFromFileAndSenderDomain()
    {
        var n = Read("""
            { "notificationType": "SHARE_ACCEPTED", "senderDomain": "recv.example.com", "resourceType": "file", "shareType": "user",
              "notification": { "message": "The share was accepted.", "file": { "providerId": "a1f2c3d4-0001" } } }
            """);

        Assert.Equal("a1f2c3d4-0001", n.ProviderId);
        Assert.Equal("recv.example.com", n.SenderDomain);
        Assert.True(n.Notification!.AdditionalData!.ContainsKey("file"));
    }

    [Fact]
    public void ReadNotification_NoResourceType_IsAccepted()
    {
        // resourceType: optional in the draft, required in the OpenAPI document → always send, never require.
        Assert.Null(Read("""{ "notificationType": "SHARE_UNSHARED", "providerId": "1" }""").ResourceType);
    }

    [Fact]
    public void ValidateNotification_MissingAndWrongFields_NamesEach()
    {
        var result = OcmJson.ValidateNotification("""{ "notificationType": 3, "resourceType": [], "notification": "x" }"""u8);

        Assert.Equal(OcmReadOutcome.Invalid, result.Outcome);
        var errors = result.Error!.ValidationErrors!.ToDictionary(e => e.Name, e => e.Message);
        Assert.Equal(ValidationMessages.ExpectedString, errors["notificationType"]);
        Assert.Equal(ValidationMessages.ExpectedString, errors["resourceType"]);
        Assert.Equal(ValidationMessages.ExpectedObject, errors["notification"]);
        Assert.Equal(ValidationMessages.Required, errors["providerId"]);
    }

    [Fact]
    public void Write_Notification_EmitsSpecMembersAndFreeFormData()
    {
        var extra = JsonDocument.Parse("""{"x":1}""").RootElement.Clone();
        var bytes = OcmJson.Write(new NewNotification
        {
            NotificationType = NotificationTypes.ShareUnshared,
            ResourceType = "file",
            ProviderId = "42",
            SenderDomain = "never.written",
            Notification = new NotificationDetails { SharedSecret = "s", Grantee = "bob@recv.example.com", AdditionalData = new() { ["extra"] = extra } },
        });

        Assert.Equal(
            """{"notificationType":"SHARE_UNSHARED","resourceType":"file","providerId":"42","notification":{"sharedSecret":"s","grantee":"bob@recv.example.com","extra":{"x":1}}}""",
            Encoding.UTF8.GetString(bytes));
    }

    [Theory]
    [InlineData("1.5.0", true)]
    [InlineData("1.5", true)]
    [InlineData("1.10.0", true)]
    [InlineData("2.0.0", true)]
    [InlineData("1.4.0", false)]
    [InlineData("1.0-proposal1", false)]
    [InlineData("", false)]
    public void Speaks15_ReadsTheApiVersion(string apiVersion, bool expected) =>
        Assert.Equal(expected, Ocm15Notifications.Speaks15(apiVersion));

    [Fact]
    public void WithSenderDomain_AddsTheMember_KeepsTheRest()
    {
        var bytes = Ocm15Notifications.WithSenderDomain(Encoding.UTF8.GetBytes("""{"notificationType":"SHARE_UNSHARED","providerId":"42"}"""), "send.example.org");
        Assert.Equal("""{"notificationType":"SHARE_UNSHARED","providerId":"42","senderDomain":"send.example.org"}""", Encoding.UTF8.GetString(bytes));
    }
}
