using System.Text;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;
using Ocm.Protocol.Tokens;

namespace Ocm.Protocol.Tests.Tokens;

// OCM §Code Flow: token request, response and errors.
public sealed class TokenTests
{
    [Fact]
    public void Format_Request_IsFormUrlEncoded()
    {
        var body = TokenRequestForm.Format(new TokenRequest { GrantType = "authorization_code", ClientId = "recv.example.com", Code = "a b&c=d" });

        Assert.Equal("grant_type=authorization_code&client_id=recv.example.com&code=a%20b%26c%3Dd", body);
        Assert.True(TokenRequestForm.TryParse(body, out var parsed, out _));
        Assert.Equal("a b&c=d", parsed.Code);
    }

    [Fact]
    public void TryParse_PlusAsSpace_IsDecoded()
    {
        Assert.True(TokenRequestForm.TryParse("code=a+b&client_id=r.example&grant_type=authorization_code&scope=x", out var request, out _));
        Assert.Equal("a b", request.Code);
    }

    [Theory]
    [InlineData("client_id=r.example&code=x", OAuthErrorCodes.InvalidRequest)]
    [InlineData("grant_type=authorization_code&code=x", OAuthErrorCodes.InvalidRequest)]
    [InlineData("grant_type=authorization_code&client_id=r.example&code=", OAuthErrorCodes.InvalidRequest)]
    [InlineData("grant_type=authorization_code&client_id=r.example&code=x&code=y", OAuthErrorCodes.InvalidRequest)]
    [InlineData("grant_type=client_credentials&client_id=r.example&code=x", OAuthErrorCodes.UnsupportedGrantType)]
    [InlineData("", OAuthErrorCodes.InvalidRequest)]
    [InlineData(null, OAuthErrorCodes.InvalidRequest)]
    public void TryParse_BadForm_GivesOAuthError(string? body, string code)
    {
        Assert.False(TokenRequestForm.TryParse(body, out var request, out var error));
        Assert.Null(request);
        Assert.Equal(code, error.Error);
    }

    [Theory]
    [InlineData("ocm_share")] // reva
    [InlineData("ocm_authorization_code")] // 1.1 spec.yaml example
    public void TryParse_LegacyGrantNames_AreAuthorizationCode(string grant)
    {
        Assert.True(TokenRequestForm.TryParse("grant_type=" + grant + "&client_id=r.example&code=x", out var request, out _));
        Assert.Equal(TokenTypes.AuthorizationCodeGrant, request.GrantType);
    }

    [Fact]
    public void TryCreate_DecodedFields_Works()
    {
        Assert.True(TokenRequestForm.TryCreate(
            [new("grant_type", "authorization_code"), new("client_id", "r.example"), new("code", "x"), new("redirect_uri", "https://r.example/cb")],
            out var request,
            out _));
        Assert.Equal("r.example", request.ClientId);
    }

    [Fact]
    public void Write_TokenResponse_IsOAuthShape()
    {
        var bytes = OcmJson.Write(new TokenResponse { AccessToken = "t0k", ExpiresIn = 300 });

        Assert.Equal("""{"access_token":"t0k","token_type":"Bearer","expires_in":300}""", Encoding.UTF8.GetString(bytes)); // no refresh_token
    }

    [Fact]
    public void Write_OAuthError_IsOAuthShape()
    {
        Assert.Equal("""{"error":"invalid_grant"}""", Encoding.UTF8.GetString(OcmJson.Write(new OAuthError { Error = OAuthErrorCodes.InvalidGrant })));
    }

    [Fact]
    public void ReadTokenResponse_JwtWithStringExpiry_IsRead()
    {
        var response = OcmJson.ReadTokenResponse("""{"access_token":"eyJ.x.y","token_type":"bearer","expires_in":"3600"}"""u8);

        Assert.Equal("eyJ.x.y", response.AccessToken);
        Assert.Equal(TokenTypes.Bearer, response.TokenType);
        Assert.Equal(3600, response.ExpiresIn);
    }

    [Fact]
    public void ReadTokenResponse_NoAccessToken_Throws()
    {
        var ex = Assert.Throws<OcmFormatException>(() => OcmJson.ReadTokenResponse("""{"token_type":"Bearer"}"""u8));

        Assert.Contains(ex.Error.ValidationErrors!, e => e.Name == "access_token");
    }

    [Fact]
    public void ReadOAuthError_NextcloudStyle_IsRead()
    {
        var error = OcmJson.ReadOAuthError("""{"error":"invalid_grant","error_description":"expired"}"""u8);

        Assert.Equal(OAuthErrorCodes.InvalidGrant, error.Error);
        Assert.Equal("expired", error.ErrorDescription);
    }
}
