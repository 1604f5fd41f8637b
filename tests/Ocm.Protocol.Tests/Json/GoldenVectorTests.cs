using System.Text;
using System.Text.Json;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Tokens;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Tests.Json;

/// <summary>
/// The spec examples among the public test vectors (their ocm/ folder: OCM-API develop 2024-10 = "1.1" and spec.json 1.2.2): each is read,
/// written back and compared semantically with the original. What the strict 1.4 writer intentionally normalizes
/// away is listed per vector in the ignore lists and asserted explicitly:
/// <list type="bullet">
/// <item>share <c>protocol.options</c> (1.0 form): becomes a WebDAV access; written only by the NextcloudLegacy dialect,
/// whose <c>permissions</c> is the Nextcloud WebDAV-property string;</item>
/// <item>a ≤1.3 <c>webapp</c> object (<c>viewMode</c>/<c>uriTemplate</c>) and the <c>datatx</c> protocol (≤1.2): read
/// into <c>LegacyWebApp</c> / ignored next to <c>webdav</c>, never written;</item>
/// <item>requirement <c>mfa-enforced</c> → <c>must-use-mfa</c>; criteria <c>invite</c> → <c>must-invite</c>,
/// <c>http-request-signatures</c> → <c>must-use-http-sig</c>; capability <c>/invite-accepted</c> → <c>invites</c>;</item>
/// <item>discovery <c>protocols.webapp</c> path string (≤1.3) → <c>{}</c>; <c>publicKey.id</c> → <c>keyId</c>;</item>
/// <item>token <c>token_type</c> "bearer" → "Bearer"; grant <c>ocm_authorization_code</c> → <c>authorization_code</c>;
/// numeric <c>userID</c> → string.</item>
/// </list>
/// </summary>
public sealed class GoldenVectorTests
{
    private const string V11 = "v1.1-develop-2024-10";
    private const string V122 = "v1.2.2";

    private static byte[] Vector(string version, string file) => File.ReadAllBytes(TestPaths.Vector("ocm", version, file));

    private static JsonElement Json(byte[] bytes) => JsonDocument.Parse(bytes).RootElement;

    public static TheoryData<string> Versions => new() { V11, V122 };

    [VectorTheory]
    [InlineData(V11, "share.multipleProtocols.json")]
    [InlineData(V122, "share.multipleProtocols.json")]
    [InlineData(V122, "share.singleProtocolNew.json")]
    public void Share_ObjectProtocolVector_ReadsValidAndRoundTrips(string version, string file)
    {
        var original = Vector(version, file);

        var share = OcmJson.ReadShare(original);
        var written = OcmJson.Write(share);

        Assert.Equal("51dc30ddc473d43a6011e9ebba6ca770@geant.org", share.ShareWith.ToString());
        Assert.Equal("527bd5b5d689e2c32ae974c6229ff785@apiwise.nl", share.Sender.ToString());
        Assert.Equal("hfiuhworzwnur98d3wjiwhr", share.Protocol.WebDav!.SharedSecret);
        JsonAssert.Subset(
            Json(original),
            Json(written),
            "protocol.webdav.requirements", // mfa-enforced → must-use-mfa
            "protocol.webapp", // ≤1.3 shape: kept in LegacyWebApp, never written
            "protocol.datatx");
        JsonAssert.Subset(Json(written), Json(OcmJson.Write(OcmJson.ReadShare(written)))); // stable after one pass
    }

    [VectorFact]
    public void Share_V11MultipleProtocols_NormalizesLegacyParts()
    {
        var share = OcmJson.ReadShare(Vector(V11, "share.multipleProtocols.json"));

        Assert.Equal([ShareRequirements.MustUseMfa], share.Protocol.WebDav!.Requirements);
        Assert.Null(share.Protocol.WebApp);
        Assert.Equal("read", share.Protocol.LegacyWebApp!.LegacyViewMode);
        Assert.StartsWith("https://open-cloud-mesh.org/app/ocm/", share.Protocol.LegacyWebApp.LegacyUriTemplate, StringComparison.Ordinal);
        var json = Encoding.UTF8.GetString(OcmJson.Write(share));
        Assert.DoesNotContain("datatx\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain("mfa-enforced", json, StringComparison.Ordinal);
    }

    [VectorFact]
    public void Share_V122MultipleProtocols_KeepsSshAndAccessTypes()
    {
        var share = OcmJson.ReadShare(Vector(V122, "share.multipleProtocols.json"));

        Assert.Equal(["remote", "datatx"], share.Protocol.WebDav!.AccessTypes);
        Assert.Equal("extuser@cloud.example.org:/7c084226-d9a1-11e6-bf26-cec0c932ce01", share.Protocol.Ssh!.Uri);
        Assert.Null(share.Protocol.WebApp); // 1.2 webapp: relative uri + viewMode
        Assert.Equal("7c084226-d9a1-11e6-bf26-cec0c932ce01", share.Protocol.LegacyWebApp!.Uri);
    }

    [VectorTheory]
    [MemberData(nameof(Versions))]
    public void Share_LegacyVector_ReadsAsLegacyWebDavAndRoundTripsInLegacyDialect(string version)
    {
        var original = Vector(version, "share.singleProtocolLegacy.json");

        var share = OcmJson.ReadShare(original);
        var written = OcmJson.Write(share, ShareDialect.NextcloudLegacy);

        Assert.True(share.Protocol.IsLegacyOptionsForm);
        Assert.Null(share.Protocol.WebDav!.Uri);
        Assert.Equal("some permissions scheme", share.Protocol.WebDav.LegacyPermissions);
        JsonAssert.Subset(Json(original), Json(written), "protocol.options.permissions");
        var reread = OcmJson.ReadShare(written);
        Assert.Equal(share.Protocol.WebDav.SharedSecret, reread.Protocol.WebDav!.SharedSecret);
    }

    [VectorFact]
    public void Share_V11SingleProtocolNew_RequirementNoneIsUnsupportedButRoundTrips()
    {
        // "none" is not a requirement any version defines: the OpenAPI NewShare says reject what is not understood (→ 501).
        var original = Vector(V11, "share.singleProtocolNew.json");

        var result = OcmJson.ValidateShare(original);

        Assert.Equal(OcmReadOutcome.Unsupported, result.Outcome);
        Assert.Equal(ValidationMessages.UnsupportedRequirement, Assert.Single(result.Error!.ValidationErrors!).Message);
        JsonAssert.Subset(Json(original), Json(OcmJson.Write(result.Value!)));
    }

    [VectorFact]
    public void ShareCreatedResponse_V122_RoundTrips()
    {
        var original = Vector(V122, "share.response-201.json");

        JsonAssert.Subset(Json(original), Json(OcmJson.Write(OcmJson.ReadShareCreatedResponse(original))));
    }

    [VectorTheory]
    [InlineData(V11, "notification.shareWasAccepted.json")]
    [InlineData(V11, "notification.userWasRemoved.json")]
    [InlineData(V122, "notification.shareWasAccepted.json")]
    [InlineData(V122, "notification.userWasRemoved.json")]
    public void Notification_Vector_RoundTrips(string version, string file)
    {
        var original = Vector(version, file);

        var notification = OcmJson.ReadNotification(original);

        Assert.False(string.IsNullOrEmpty(notification.ProviderId));
        JsonAssert.Subset(Json(original), Json(OcmJson.Write(notification)));
        JsonAssert.Subset(Json(OcmJson.Write(notification)), Json(original));
    }

    [VectorTheory]
    [MemberData(nameof(Versions))]
    public void InviteAccepted_Vector_RoundTrips(string version)
    {
        var request = Vector(version, "invite-accepted.request.json");
        var response = Vector(version, "invite-accepted.response.json");

        JsonAssert.Subset(Json(request), Json(OcmJson.Write(OcmJson.ReadInviteAccepted(request))));
        JsonAssert.Subset(Json(response), Json(OcmJson.Write(OcmJson.ReadInviteAcceptedResponse(response))));
    }

    [VectorFact]
    public void InviteAcceptedResponse_V11AsInSpecWithNumericUserId_IsReadAsString()
    {
        var response = OcmJson.ReadInviteAcceptedResponse(Vector(V11, "invite-accepted.response.as-in-spec.json"));

        Assert.Equal("9302", response.UserId);
        Assert.Equal("\"9302\"", Json(OcmJson.Write(response)).GetProperty("userID").GetRawText());
    }

    [VectorTheory]
    [InlineData(V11, "error.json")]
    [InlineData(V11, "error-400.json")]
    [InlineData(V122, "error.json")]
    [InlineData(V122, "error-400.json")]
    public void Error_Vector_RoundTrips(string version, string file)
    {
        var original = Vector(version, file);

        var error = OcmJson.ReadError(original);

        Assert.Equal("RESOURCE_NOT_FOUND", error.Message);
        JsonAssert.Subset(Json(original), Json(OcmJson.Write(error)));
        JsonAssert.Subset(Json(OcmJson.Write(error)), Json(original));
    }

    [VectorFact]
    public void TokenResponse_V122_RoundTrips()
    {
        var original = Vector(V122, "token.response.json");

        var response = OcmJson.ReadTokenResponse(original);

        Assert.Equal(300, response.ExpiresIn);
        JsonAssert.Subset(Json(original), Json(OcmJson.Write(response)));
    }

    [VectorFact]
    public void TokenResponse_V11_NormalizesTokenTypeAndKeepsRefreshToken()
    {
        var original = Vector(V11, "token.response.json");

        var response = OcmJson.ReadTokenResponse(original);

        Assert.Equal(TokenTypes.Bearer, response.TokenType);
        Assert.Equal("qwertyuiop", response.RefreshToken);
        JsonAssert.Subset(Json(original), Json(OcmJson.Write(response)), "token_type");
    }

    [VectorFact]
    public void TokenRequest_V122Form_ParsesAndIgnoresRedirectUri()
    {
        var form = File.ReadAllText(TestPaths.Vector("ocm", V122, "token.request.form-urlencoded.txt")).Trim();
        var fields = Json(Vector(V122, "token.request.fields.json"));

        Assert.True(TokenRequestForm.TryParse(form, out var request, out _));

        Assert.Equal(fields.GetProperty("grant_type").GetString(), request.GrantType);
        Assert.Equal(fields.GetProperty("client_id").GetString(), request.ClientId);
        Assert.Equal(fields.GetProperty("code").GetString(), request.Code);
        Assert.Equal("grant_type=authorization_code&client_id=receiver.org&code=xyz", TokenRequestForm.Format(request)); // extra RFC 6749 parameters are dropped
    }

    [VectorFact]
    public void TokenRequest_V11LegacyJson_IsReadWithSpecGrant()
    {
        var request = OcmJson.ReadLegacyTokenRequest(Vector(V11, "token.request.json"));

        Assert.Equal(TokenTypes.AuthorizationCodeGrant, request.GrantType);
        Assert.Equal("receiver.org", request.ClientId);
        Assert.Equal("xyz", request.Code);
    }

    [VectorFact]
    public void Discovery_V11_ReadsAndNormalizesLegacyNames()
    {
        var original = Vector(V11, "discovery.assembled.json");

        var doc = OcmJson.ReadDiscovery(original);
        var written = OcmJson.Write(doc);

        Assert.Equal([OcmCapabilities.Invites], doc.Capabilities);
        Assert.Equal("https://my-cloud-storage.org/ocm#signature", doc.PublicKey!.KeyId);
        Assert.NotNull(doc.ResourceTypes[0].Protocols.WebApp);
        Assert.Equal("/apps/spreed/api/", doc.ResourceTypes[0].Protocols.Other!["talk"].GetString());
        JsonAssert.Subset(Json(original), Json(written), "capabilities", "publicKey.id", "resourceTypes");
        var resourceType = Json(written).GetProperty("resourceTypes")[0];
        Assert.Equal("/remote/dav/ocm/", resourceType.GetProperty("protocols").GetProperty("webdav").GetString());
        Assert.Equal(JsonValueKind.Object, resourceType.GetProperty("protocols").GetProperty("webapp").ValueKind);
    }

    [VectorTheory]
    [InlineData("discovery.assembled.json")]
    [InlineData("discovery.with-test-keys.json")]
    public void Discovery_V122_RoundTripsExceptRenamedCriteria(string file)
    {
        var original = Vector(V122, file);

        var doc = OcmJson.ReadDiscovery(original);

        JsonAssert.Subset(Json(original), Json(OcmJson.Write(doc)), "criteria", "resourceTypes.0.protocols.webapp", "resourceTypes");
        Assert.Contains(OcmCapabilities.HttpSig, doc.Capabilities);
        Assert.Equal("ed25519", doc.PublicKeys![0].Algorithm);
        Assert.DoesNotContain("invite", doc.Criteria);
        Assert.DoesNotContain("http-request-signatures", doc.Criteria);
        Assert.Equal("/remote", doc.GetWebDavRoot()!.AbsolutePath[..7]);
    }

    [VectorFact]
    public void Discovery_V122Assembled_RenamesCriteria()
    {
        var doc = OcmJson.ReadDiscovery(Vector(V122, "discovery.assembled.json"));

        Assert.Equal([OcmCriteria.Allowlist, OcmCriteria.MustInvite], doc.Criteria);
        Assert.True(doc.HasCriterion("invite"));
        Assert.Equal("https://cloud.example.org/ocm/token", doc.GetTokenEndPointUri()!.AbsoluteUri);
    }

    [Fact]
    public void Error_PeerDialects_AreRead()
    {
        Assert.Equal("bad", OcmJson.ReadError("""{"code":"INVALID_PARAMETER","message":"bad"}"""u8).Message); // reva
        Assert.Equal("INVALID_PARAMETER", OcmJson.ReadError("""{"code":"INVALID_PARAMETER"}"""u8).Message);
        Assert.Equal("Invalid token", OcmJson.ReadError("""{"error_msg":"Invalid token"}"""u8).Message);
        Assert.Equal("no", OcmJson.ReadError("""{"message":"no","error":true}"""u8).Message);
        Assert.Throws<OcmFormatException>(() => OcmJson.ReadError("[1]"u8));
    }
}
