using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Ocm.Users;

/// <summary>
/// The <c>Basic</c> authentication scheme (RFC 7617) over local passwords and app passwords, used by WebDAV and the JSON
/// API. Answers 401 with <c>WWW-Authenticate: Basic realm="Ocm", charset="UTF-8"</c>, or 429 with <c>Retry-After</c>
/// while the throttle holds the user name or address. While the LDAP directory does not answer, a directory user's
/// credentials can be neither accepted nor refused: 503 with <c>Retry-After</c> and a problem details body saying so —
/// not 401, which makes sync clients ask the user for a password that is not wrong, again and again.
/// </summary>
internal sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    CredentialVerifier verifier)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Basic";
    public const string Realm = "Ocm";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>RFC 9110 §10.2.3: how long a client waits before asking again while the directory does not answer.</summary>
    private static readonly TimeSpan DirectoryRetry = TimeSpan.FromSeconds(30);

    private TimeSpan? _retryAfter;
    private bool _directoryUnavailable;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header)
            || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        if (!TryDecode(header.Parameter, out var userName, out var password))
        {
            return AuthenticateResult.Fail("Malformed Basic credentials.");
        }

        var result = await verifier.VerifyAsync(userName, password, Context.Connection.RemoteIpAddress, Context.RequestAborted);
        switch (result.Status)
        {
            case SignInStatus.Success:
                var user = result.User!;
                // A directory password is not a local password: Ocm:Identity:LocalSignIn does not govern it.
                if (!result.FromDirectory && !await Identity.LocalSignIn.AllowsBasicAsync(Context.RequestServices, user, Context.RequestAborted))
                {
                    return AuthenticateResult.Fail("Password sign-in is turned off: use an app password.");
                }

                Context.Features.Set(user);
                var identity = new ClaimsIdentity(
                    [
                        new Claim(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
                        new Claim(ClaimTypes.Name, user.Name),
                    ],
                    SchemeName);
                return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
            case SignInStatus.Unavailable:
                _directoryUnavailable = true;
                return AuthenticateResult.Fail("The user directory does not answer.");
            case SignInStatus.Throttled:
                _retryAfter = result.RetryAfter;
                return AuthenticateResult.Fail("Too many failed sign-ins.");
            default:
                return AuthenticateResult.Fail("Invalid user name or password.");
        }
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (_directoryUnavailable)
        {
            Hosting.RetryAfter.Set(Response, DirectoryRetry);
            await TypedResults.Problem(
                    detail: "The user directory (LDAP) does not answer, so this sign-in can be neither checked nor refused. Try again later.",
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    title: "User directory unavailable")
                .ExecuteAsync(Context);
            return;
        }

        if (_retryAfter is TimeSpan wait)
        {
            Response.StatusCode = StatusCodes.Status429TooManyRequests;
            Hosting.RetryAfter.Set(Response, wait);
            return;
        }

        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
    }

    internal static bool TryDecode(string? parameter, out string userName, out string password)
    {
        userName = "";
        password = "";
        if (string.IsNullOrEmpty(parameter) || parameter.Length > 4096)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[parameter.Length];
        if (!Convert.TryFromBase64String(parameter, bytes, out var written))
        {
            return false;
        }

        string text;
        try
        {
            text = StrictUtf8.GetString(bytes[..written]);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
        finally
        {
            bytes.Clear();
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        userName = text[..colon];
        password = text[(colon + 1)..];
        return true;
    }
}

internal static class HttpContextUserExtensions
{
    /// <summary>The user the Basic scheme signed in for this request.</summary>
    public static SignedInUser GetSignedInUser(this HttpContext context) =>
        context.Features.Get<SignedInUser>() ?? throw new InvalidOperationException("The endpoint does not require a signed-in user.");
}
