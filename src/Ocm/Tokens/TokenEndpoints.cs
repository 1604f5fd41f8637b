using System.Text;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Json;
using Ocm.Protocol.Tokens;
using Ocm.Shares;
using Ocm.Signatures;

namespace Ocm.Tokens;

/// <summary>
/// <c>POST /ocm/token</c>, the code flow (OCM §Code Flow): a signed <c>application/x-www-form-urlencoded</c>
/// request with <c>grant_type=authorization_code</c>, <c>client_id</c> (the receiving server, which must be the
/// verified signer and the share's recipient host) and <c>code</c> (the share's secret) returns a short-lived opaque
/// bearer token, stored hashed and deleted once expired. Errors use the OAuth dialect (<see cref="OAuthErrors"/>, R101),
/// including refusals by the signature filter in front of it.
/// </summary>
internal static partial class TokenEndpoints
{
    public static IEndpointRouteBuilder MapOcmTokens(this IEndpointRouteBuilder app)
    {
        app.MapPost("/ocm/token", IssueAsync).WithMetadata(OAuthErrorDialect.Instance).RequireOcmAuthentication().ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> IssueAsync(
        HttpContext context,
        OcmDb db,
        ShareSecrets tokens,
        SharesOptions options,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Ocm.Tokens");
        var request = context.GetOcmRequest();
        if (context.Request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return Error(OAuthErrorCodes.InvalidRequest, "the body must be application/x-www-form-urlencoded");
        }

        if (!TokenRequestForm.TryParse(Encoding.UTF8.GetString(request.Body), out var form, out var formError))
        {
            Log.Refused(logger, formError.Error);
            return Error(formError.Error, formError.ErrorDescription ?? "the token request is not valid");
        }

        if (!request.IsSigned)
        {
            Log.Refused(logger, "unsigned token request");
            return Error(OAuthErrorCodes.InvalidClient, "token requests must carry an HTTP message signature of the client server");
        }

        if (!OcmAddress.TryNormalizeAuthority(form.ClientId, out var clientHost, out _)
            || !string.Equals(clientHost, request.SignerHost, StringComparison.OrdinalIgnoreCase))
        {
            Log.Refused(logger, $"client_id {form.ClientId} signed by {request.SignerHost}");
            return Error(OAuthErrorCodes.InvalidClient, $"client_id '{form.ClientId}' is not the server that signed the request");
        }

        var hash = ShareSecrets.Hash(form.Code);
        var share = await db.Set<OutgoingShare>().AsNoTracking().SingleOrDefaultAsync(s => s.SecretHash == hash, cancellationToken);
        var now = time.GetUtcNow();
        if (share is null || share.IsExpired(now) || share.State is OutgoingShareState.Declined or OutgoingShareState.Failed)
        {
            Log.Refused(logger, "unknown, expired or ended share code");
            return Error(OAuthErrorCodes.InvalidGrant, "the code is not valid (unknown, expired or revoked share)");
        }

        if (!string.Equals(share.RecipientHost, clientHost, StringComparison.OrdinalIgnoreCase))
        {
            Log.Refused(logger, $"code of a share for {share.RecipientHost} presented by {clientHost}");
            return Error(OAuthErrorCodes.InvalidGrant, "the code was not issued to this client");
        }

        var token = tokens.NewSecret();
        var lifetime = TimeSpan.FromSeconds(options.AccessTokenSeconds);
        var expires = now + lifetime;
        if (share.Expiration is { } shareExpiry && shareExpiry < expires)
        {
            expires = shareExpiry;
        }

        db.Add(new ShareAccessToken
        {
            ShareId = share.Id,
            TokenHash = ShareSecrets.Hash(token),
            ClientHost = clientHost,
            Issued = now,
            Expires = expires,
        });
        await db.Set<ShareAccessToken>().Where(t => t.Expires < now).ExecuteDeleteAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);

        // RFC 6749 §5.1: a response carrying a token is never cached.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers.Pragma = "no-cache";
        return new OcmApi.JsonBytesResult(200, OcmJson.Write(new TokenResponse
        {
            AccessToken = token,
            TokenType = TokenTypes.Bearer,
            ExpiresIn = (long)(expires - now).TotalSeconds,
        }));
    }

    private static IResult Error(string error, string description) => OAuthErrors.Result(error, description);

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Warning, "Token request refused: {Reason}")]
        public static partial void Refused(ILogger logger, string reason);
    }
}
