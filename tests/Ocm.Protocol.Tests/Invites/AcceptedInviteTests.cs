using System.Text;
using System.Text.Json;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Invites;
using Ocm.Protocol.Json;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.Invites;

// OCM §Invite Flow › Invite Acceptance Request Details and Response Details, and what peers send instead
// (Nextcloud's userId, a recipientProvider with scheme or trailing slash).
public sealed class AcceptedInviteTests
{
    private static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void ReadInviteAccepted_SpecShape_ReadsAllFields()
    {
        var invite = OcmJson.ReadInviteAccepted(Utf8("""
            { "recipientProvider": "recv.example.com", "token": "3f8c2a1e", "userID": "u-7731",
              "email": "bob@mail.example", "name": "Bob B." }
            """));

        Assert.Equal("recv.example.com", invite.RecipientProvider);
        Assert.Equal("3f8c2a1e", invite.Token);
        Assert.Equal("u-7731", invite.UserId);
        Assert.Equal("bob@mail.example", invite.Email);
        Assert.Equal("Bob B.", invite.Name);
    }

    [Fact]
    public void ReadInviteAccepted_NextcloudUserIdKey_ReadsAsUserID()
    {
        var invite = OcmJson.ReadInviteAccepted(Utf8("""
            { "recipientProvider": "nc.example", "token": "t", "userId": "alice", "email": "", "name": "Alice" }
            """));

        Assert.Equal("alice", invite.UserId);
        Assert.Equal(string.Empty, invite.Email);
    }

    [Theory]
    [InlineData("einstein@https://ocis.example", "https://ocis.example/", "einstein", "ocis.example")] // OpenCloud
    [InlineData("einstein@ocis.example", "ocis.example", "einstein", "ocis.example")] // oCIS
    [InlineData("marie@other.example", "ocis.example", "marie@other.example", "ocis.example")] // e-mail-like id kept
    [InlineData("u1@recv.example:8443", "recv.example:8443", "u1", "recv.example:8443")]
    public void ReadInviteAccepted_QualifiedUserIdOrUrlProvider_IsNormalized(string userId, string provider, string expectedUser, string expectedProvider)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["recipientProvider"] = provider,
            ["token"] = "t",
            ["userID"] = userId,
            ["email"] = "e@x",
            ["name"] = "n",
        });

        var invite = OcmJson.ReadInviteAccepted(Utf8(json));

        Assert.Equal(expectedUser, invite.UserId);
        Assert.Equal(expectedProvider, invite.RecipientProvider);
    }

    [Fact]
    public void ValidateInviteAccepted_EverythingMissingOrWrong_NamesEveryField()
    {
        var result = OcmJson.ValidateInviteAccepted(Utf8("""{ "recipientProvider": "bad host/x", "token": 5, "email": [] }"""));

        Assert.Equal(OcmReadOutcome.Invalid, result.Outcome);
        Assert.Equal(400, result.SuggestedStatusCode);
        var names = result.Error!.ValidationErrors!.ToDictionary(e => e.Name, e => e.Message);
        Assert.Equal(ValidationMessages.InvalidValue, names["recipientProvider"]);
        Assert.Equal(ValidationMessages.ExpectedString, names["token"]);
        Assert.Equal(ValidationMessages.Required, names["userID"]);
        Assert.Equal(ValidationMessages.ExpectedString, names["email"]);
        Assert.Equal(ValidationMessages.Required, names["name"]);
    }

    [Fact]
    public void Write_Default_EmitsOnlySpecNames()
    {
        var invite = new AcceptedInvite { RecipientProvider = "recv.example.com", Token = "t", UserId = "u", Email = "e@x", Name = "n" };

        using var doc = JsonDocument.Parse(OcmJson.Write(invite));

        Assert.Equal("u", doc.RootElement.GetProperty("userID").GetString());
        Assert.False(doc.RootElement.TryGetProperty("userId", out _));
    }

    [Fact]
    public void Write_WithLegacyUserId_EmitsBothSpellings()
    {
        var invite = new AcceptedInvite { RecipientProvider = "recv.example.com", Token = "t", UserId = "u", Email = "e@x", Name = "n" };

        using var doc = JsonDocument.Parse(OcmJson.Write(invite, alsoWriteLegacyUserId: true));

        Assert.Equal("u", doc.RootElement.GetProperty("userID").GetString());
        Assert.Equal("u", doc.RootElement.GetProperty("userId").GetString());
    }

    [Fact]
    public void ReadInviteAcceptedResponse_NumericUserId_IsString()
    {
        var response = OcmJson.ReadInviteAcceptedResponse(Utf8("""{ "userID": 9302, "email": "john@sender.org", "name": "John Doe" }"""));

        Assert.Equal("9302", response.UserId);
        Assert.Equal("John Doe", response.Name);
    }

    [Fact]
    public void ReadInviteAcceptedResponse_MissingUserId_ThrowsOcmFormatException()
    {
        var ex = Assert.Throws<OcmFormatException>(() => OcmJson.ReadInviteAcceptedResponse(Utf8("""{ "email": "x" }""")));
        Assert.Contains(ex.Error.ValidationErrors!, e => e.Name == "userID");
    }
}
