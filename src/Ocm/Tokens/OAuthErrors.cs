using Ocm.Protocol.Json;
using Ocm.Protocol.Tokens;

namespace Ocm.Tokens;

/// <summary>
/// The one place that produces the token endpoint's error dialect (OCM §Code Flow › Error Responses, RFC 6749 §5.2):
/// a JSON body <c>{"error", "error_description"}</c>, <c>Cache-Control: no-store</c> and <c>Pragma: no-cache</c>; 400 for
/// <c>invalid_request</c>, <c>invalid_grant</c>, <c>unauthorized_client</c> and <c>unsupported_grant_type</c>, 401 for
/// <c>invalid_client</c> with a <c>WWW-Authenticate</c> challenge naming the scheme the client authenticates with (an
/// HTTP message signature).
/// </summary>
internal static class OAuthErrors
{
    /// <summary>The challenge of a 401 <c>invalid_client</c>: the client proves who it is by signing the request (OCM §Code Flow › Token Request).</summary>
    public const string Challenge = "Signature realm=\"ocm\"";

    /// <summary>The RFC 6749 §5.2 status of <paramref name="error"/>: 401 for <c>invalid_client</c>, 400 for the rest.</summary>
    public static int StatusFor(string error) =>
        error == OAuthErrorCodes.InvalidClient ? StatusCodes.Status401Unauthorized : StatusCodes.Status400BadRequest;

    public static IResult Result(string error, string description) => new OAuthErrorResult(error, description);

    private sealed class OAuthErrorResult(string error, string description) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => StatusFor(error);

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var json = OcmJson.Write(new OAuthError { Error = error, ErrorDescription = description });
            var response = httpContext.Response;
            response.StatusCode = StatusFor(error);
            response.Headers.CacheControl = "no-store";
            response.Headers.Pragma = "no-cache";
            if (response.StatusCode == StatusCodes.Status401Unauthorized)
            {
                response.Headers.WWWAuthenticate = Challenge;
            }

            response.ContentType = "application/json; charset=utf-8";
            response.ContentLength = json.Length;
            await response.Body.WriteAsync(json, httpContext.RequestAborted);
        }
    }
}

/// <summary>
/// Endpoint metadata: refusals of <see cref="Signatures.OcmRequestAuthentication"/> in front of this endpoint are answered in
/// the OAuth error dialect (<see cref="OAuthErrors"/>) rather than the OCM one.
/// </summary>
internal sealed class OAuthErrorDialect
{
    public static readonly OAuthErrorDialect Instance = new();

    private OAuthErrorDialect()
    {
    }
}
