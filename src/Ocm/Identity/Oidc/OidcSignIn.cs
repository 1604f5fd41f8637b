using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using Ocm.Data;
using Ocm.Protocol.Http;
using Ocm.Ui;
using Ocm.Users;

namespace Ocm.Identity.Oidc;

/// <summary>
/// OpenID Connect sign-in for the web interface, on ASP.NET Core's OpenID Connect handler: the authorization code
/// flow with PKCE (RFC 7636), <c>state</c> bound to a correlation cookie, <c>nonce</c> checked, and the ID token
/// validated (issuer, audience, signature with a key from the provider's JWKS, expiry; OpenID Connect Core 1.0
/// §3.1.3.7). The handler's result is turned into the interface's own session (<see cref="UiSession"/>), so every page —
/// invite dialog and WAYF page included — sees one kind of session whichever way the user signed in.
/// </summary>
internal static partial class OidcSignIn
{
    public const string Scheme = "OcmOidc";
    public const string CallbackPath = "/signin-oidc";
    public const string SignedOutCallbackPath = "/signout-callback-oidc";

    private const string LinkItem = "ocm:link-user";
    private const string IdTokenItem = "ocm:id-token-hint";
    private const string MfaItem = "ocm:provider-mfa";

    /// <summary>The name under which a session keeps the provider's ID token (for the id_token_hint of RP-initiated logout).</summary>
    internal const string IdToken = "id_token";

    public static void Configure(OpenIdConnectOptions o, OidcOptions options, UiOptions ui)
    {
        o.Authority = options.Authority;
        o.ClientId = options.ClientId;
        o.ClientSecret = string.IsNullOrEmpty(options.ClientSecret) ? null : options.ClientSecret;
        o.RequireHttpsMetadata = options.RequireHttpsMetadata;
        o.ResponseType = OpenIdConnectResponseType.Code;

        // The answer comes back as a top-level GET, so the correlation and nonce cookies can be SameSite=Lax.
        o.ResponseMode = OpenIdConnectResponseMode.Query;
        o.UsePkce = true;
        o.CallbackPath = CallbackPath;
        o.SignedOutCallbackPath = SignedOutCallbackPath;
        o.SignInScheme = UiSession.Scheme;
        o.SignOutScheme = UiSession.Scheme;
        o.SaveTokens = false;
        o.GetClaimsFromUserInfoEndpoint = true;
        o.MapInboundClaims = false;
        o.DisableTelemetry = true;
        o.BackchannelTimeout = TimeSpan.FromSeconds(30);
        o.Scope.Clear();
        foreach (var scope in options.EffectiveScopes)
        {
            o.Scope.Add(scope);
        }

        // The userinfo response's claims that are read, lists (groups, entitlements) as one claim per value.
        foreach (var claim in new[] { options.UserNameClaim, options.DisplayNameClaim, options.EmailClaim }.Distinct(StringComparer.Ordinal))
        {
            o.ClaimActions.MapUniqueJsonKey(claim, claim);
        }

        o.ClaimActions.MapJsonKey(options.GroupsClaim, options.GroupsClaim);
        if (options.Requirement is { } required && required.Type != options.GroupsClaim)
        {
            o.ClaimActions.MapJsonKey(required.Type, required.Type);
        }
        o.TokenValidationParameters.NameClaimType = options.UserNameClaim;
        o.TokenValidationParameters.ClockSkew = TimeSpan.FromMinutes(1);
        foreach (var cookie in new[] { o.CorrelationCookie, o.NonceCookie })
        {
            cookie.SameSite = SameSiteMode.Lax;
            cookie.SecurePolicy = ui.SecureCookiesOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
        }

        o.Events = new OpenIdConnectEvents
        {
            OnTokenValidated = context =>
            {
                // Kept in the session for the id_token_hint of RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0 §2).
                if (context.TokenEndpointResponse?.IdToken is { Length: > 0 } idToken)
                {
                    context.Properties!.StoreTokens([new AuthenticationToken { Name = IdToken, Value = idToken }]);
                }

                // Read here, before the claim actions drop acr: whether the provider says it checked a second factor.
                var principal = context.Principal!;
                if (options.MfaEvidence(principal.FindFirst("acr")?.Value, principal.FindAll("amr").Select(c => c.Value)) is { } evidence)
                {
                    context.Properties!.Items[MfaItem] = evidence;
                }

                return Task.CompletedTask;
            },
            OnTicketReceived = TicketReceivedAsync,
            OnRemoteFailure = RemoteFailureAsync,
            OnRedirectToIdentityProviderForSignOut = context =>
            {
                if (context.Properties.Items.Remove(IdTokenItem, out var hint))
                {
                    context.ProtocolMessage.IdTokenHint = hint;
                }

                return Task.CompletedTask;
            },
        };
    }

    /// <summary>
    /// The handler chain for the provider's discovery document, JWKS, token and userinfo endpoints: the guarded chain of
    /// every other outbound call (Federation/PeerClient.cs — SSRF guard on each connection, connect timeout, redirects
    /// followed one re-checked hop at a time). The operator named the provider, so its own host is allowed even on a
    /// private network (a campus Keycloak often is); any other host its metadata points to is checked like a peer.
    /// </summary>
    public static HttpMessageHandler BackchannelHandler(OutboundPolicy policy, OidcOptions options)
    {
        var authority = new Uri(options.Authority!);
        var allowed = policy with { InsecurePeers = [.. policy.InsecurePeers, authority.IdnHost] };
        return new GuardedRedirectHandler(allowed) { InnerHandler = GuardedHttpHandler.Create(allowed) };
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        var ui = app.MapGroup(UiUrls.Mount).ExcludeFromDescription();
        ui.MapGet("/login/oidc", (HttpContext context, string? returnUrl) =>
        {
            var urls = UiUrls.For(context);
            return ChallengeAsync(context, new AuthenticationProperties { RedirectUri = UiUrls.IsLocal(returnUrl) ? returnUrl : urls.Home });
        });
        ui.MapPost("/account/oidc/link", Task<IResult> (HttpContext context) =>
        {
            var ui = UiRequest.For(context);
            var properties = new AuthenticationProperties { RedirectUri = ui.Urls.Action("account") };
            properties.Items[LinkItem] = ui.User.Id.ToString(CultureInfo.InvariantCulture);
            return ChallengeAsync(context, properties);
        }).RequireAuthorization(UiSession.Policy).AddEndpointFilter<CsrfFilter>();
    }

    /// <summary>
    /// Signs out at the provider too when the session came from it and the provider has an <c>end_session_endpoint</c>:
    /// the browser is sent there with the ID token as hint and comes back to <paramref name="returnUrl"/>. False when
    /// there is nothing to do at the provider (or it cannot be reached); the caller then answers itself.
    /// </summary>
    public static async Task<bool> SignOutAtProviderAsync(HttpContext context, string returnUrl)
    {
        if (context.RequestServices.GetService<OidcOptions>() is not { Enabled: true }
            || await context.GetTokenAsync(UiSession.Scheme, IdToken) is not { Length: > 0 } idToken)
        {
            return false;
        }

        var configuration = await ProviderConfigurationAsync(context);
        if (string.IsNullOrEmpty(configuration?.EndSessionEndpoint))
        {
            return false;
        }

        var properties = new AuthenticationProperties { RedirectUri = returnUrl };
        properties.Items[IdTokenItem] = idToken;
        await context.SignOutAsync(Scheme, properties);
        return true;
    }

    private static async Task<IResult> ChallengeAsync(HttpContext context, AuthenticationProperties properties)
    {
        if (context.RequestServices.GetService<OidcOptions>() is not { Enabled: true } options)
        {
            return UiRequest.For(context).Message(StatusCodes.Status404NotFound, "Not available", "Sign-in with an identity provider is not set up on this server.");
        }

        // Fetched here rather than inside the challenge, so a provider that is down is a page that says so, not a 500.
        if (await ProviderConfigurationAsync(context) is null)
        {
            return Refusal(context, StatusCodes.Status502BadGateway, "Identity provider unreachable",
                $"The identity provider ({options.DisplayName}) cannot be reached right now, so you cannot sign in with it. Try again in a few minutes.",
                properties.RedirectUri);
        }

        return Results.Challenge(properties, [Scheme]);
    }

    private static async Task<OpenIdConnectConfiguration?> ProviderConfigurationAsync(HttpContext context)
    {
        var handler = context.RequestServices.GetRequiredService<IOptionsMonitor<OpenIdConnectOptions>>().Get(Scheme);
        try
        {
            return await handler.ConfigurationManager!.GetConfigurationAsync(context.RequestAborted);
        }
        catch (InvalidOperationException ex)
        {
            Log.ProviderUnreachable(Logger(context), ex.GetType().Name, ex.InnerException?.Message ?? ex.Message);
            return null;
        }
    }

    private static async Task TicketReceivedAsync(TicketReceivedContext context)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<OidcOptions>();
        var principal = context.Principal!;
        if (options.Requirement is { } required && !principal.FindAll(required.Type).Any(c => string.Equals(c.Value, required.Value, StringComparison.Ordinal)))
        {
            Log.AdmissionRefused(Logger(http), required.Type);
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Access not granted",
                $"You signed in at the identity provider, but your account there does not grant access to this service (it lacks {required.Type} “{required.Value}”). If you think it should, ask your identity provider's help desk.");
            return;
        }

        if (OidcIdentity.From(principal, options) is not { } identity)
        {
            await RefuseAsync(context, StatusCodes.Status400BadRequest, "Sign-in failed", "The identity provider's answer did not say who you are (no issuer or subject).");
            return;
        }

        long? linkTo = null;
        if (context.Properties!.Items.Remove(LinkItem, out var linkValue))
        {
            // Linking is asked for by a signed-in user; it must still be that user's session when the answer comes back.
            var session = await http.AuthenticateAsync(UiSession.Scheme);
            if (!session.Succeeded || session.Principal.FindFirstValue(ClaimTypes.NameIdentifier) != linkValue)
            {
                await RefuseAsync(context, StatusCodes.Status400BadRequest, "Not linked",
                    "Your session on this server ended while you were at the identity provider. Sign in again, then link your account from the Account page.");
                return;
            }

            linkTo = long.Parse(linkValue!, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        var outcome = await http.RequestServices.GetRequiredService<OidcAccounts>().SignInAsync(identity, linkTo, http.RequestAborted);
        if (outcome.UserId is not long userId)
        {
            await RefuseAsync(context, StatusCodes.Status403Forbidden, "Sign-in refused", outcome.Refusal!);
            return;
        }

        // A second factor: the provider's (its acr/amr, when configured to count) or ours. Without the provider's, a user
        // with TOTP is asked for a code and one who must use a second factor is sent to enrolment, exactly as after a
        // password (Identity/Mfa/SignInCompletion.cs).
        var providerMfa = context.Properties.Items.Remove(MfaItem, out var evidence) ? evidence : null;
        if (providerMfa is null)
        {
            var twoFactor = http.RequestServices.GetRequiredService<Mfa.TwoFactor>();
            if (await twoFactor.IsEnrolledAsync(userId, http.RequestAborted) || await twoFactor.IsRequiredAsync(userId, http.RequestAborted))
            {
                context.HandleResponse();
                // The ID token goes along, so that signing out later also signs out at the provider.
                var next = await http.RequestServices.GetRequiredService<Mfa.SignInCompletion>()
                    .AfterPasswordAsync(http, userId, remember: false, context.ReturnUri, http.RequestAborted, context.Properties.GetTokenValue(IdToken));
                await next.ExecuteAsync(http);
                return;
            }
        }
        else
        {
            Log.ProviderMfa(Logger(http), userId, providerMfa);
        }

        var db = http.RequestServices.GetRequiredService<OcmDb>();
        var user = await db.Set<User>().AsNoTracking().Where(u => u.Id == userId)
            .Select(u => new { u.Id, u.Name, u.PasswordHash, u.IsAdmin }).SingleAsync(http.RequestAborted);
        var ui = http.RequestServices.GetRequiredService<UiOptions>();
        var now = http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        context.Principal = UiSession.CreatePrincipal(user.Id, user.Name, user.PasswordHash, user.IsAdmin,
            providerMfa is null ? null : [new Claim(Mfa.MfaSession.FactorClaim, Mfa.MfaSession.ProviderFactor)]);
        context.Properties.IsPersistent = false;
        context.Properties.IssuedUtc = now;
        context.Properties.ExpiresUtc = now.AddMinutes(ui.SessionMinutes);
        context.Properties.AllowRefresh = true;
        if (!UiUrls.IsLocal(context.ReturnUri))
        {
            context.ReturnUri = UiUrls.For(http).Home;
        }
    }

    private static async Task RemoteFailureAsync(RemoteFailureContext context)
    {
        var (title, text) = Describe(context.Failure);
        Log.SignInFailed(Logger(context.HttpContext), title, Innermost(context.Failure)?.GetType().Name ?? "none");
        context.HandleResponse();
        await Refusal(context.HttpContext, StatusCodes.Status400BadRequest, title, text, context.Properties?.RedirectUri).ExecuteAsync(context.HttpContext);
    }

    /// <summary>What went wrong, in words a user can act on (the exception's own text stays in the log).</summary>
    internal static (string Title, string Text) Describe(Exception? failure)
    {
        const string Retry = " You were not signed in. Go back to the sign-in page and start again.";
        for (var e = failure; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case SecurityTokenInvalidIssuerException:
                    return ("Sign-in refused", "The ID token was issued by another issuer than this server's identity provider." + Retry);
                case SecurityTokenExpiredException:
                    return ("Sign-in refused", "The ID token had expired." + Retry);
                case SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException:
                    return ("Sign-in refused", "The ID token was not signed with a key the identity provider publishes." + Retry);
                case SecurityTokenInvalidAudienceException:
                    return ("Sign-in refused", "The ID token was issued for another service." + Retry);
                case OpenIdConnectProtocolInvalidNonceException:
                    return ("Sign-in refused", "The ID token does not belong to a sign-in started in this browser (its nonce does not match)." + Retry);
                case OpenIdConnectProtocolException when e.Message.Contains("invalid_grant", StringComparison.Ordinal):
                    return ("Sign-in refused", "The identity provider refused the sign-in code: it was invalid, had expired or was already used." + Retry);
                case OpenIdConnectProtocolException when e.Message.Contains("access_denied", StringComparison.Ordinal):
                    return ("Sign-in cancelled", "The sign-in was cancelled at the identity provider." + Retry);
                case AuthenticationFailureException when e.Message.Contains("state", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("Correlation", StringComparison.Ordinal):
                    return ("Sign-in refused", "This answer from the identity provider does not belong to a sign-in started in this browser, or it was already used (the state did not match)." + Retry);
                case AuthenticationFailureException when e.Message.Contains("Access was denied", StringComparison.Ordinal):
                    return ("Sign-in cancelled", "The sign-in was cancelled at the identity provider." + Retry);
                default:
                    break;
            }
        }

        return ("Sign-in failed", "The identity provider's answer could not be verified." + Retry);
    }

    private static async Task RefuseAsync(TicketReceivedContext context, int statusCode, string title, string text)
    {
        context.HandleResponse();
        await Refusal(context.HttpContext, statusCode, title, text, context.ReturnUri).ExecuteAsync(context.HttpContext);
    }

    /// <summary>A page that says why; its link back to the sign-in page keeps where the user was going (<paramref name="returnUrl"/>).</summary>
    private static IResult Refusal(HttpContext context, int statusCode, string title, string text, string? returnUrl = null)
    {
        var ui = UiRequest.For(context);
        var body = Html.Of($"""
            <div class="narrow" id="sign-in-refused">
            <h1>{title}</h1>
            <p role="alert" id="refusal">{text}</p>
            <p><a href="{ui.Urls.Login(returnUrl)}" id="back-to-sign-in">Back to the sign-in page</a></p>
            </div>
            """);
        return ui.Page(title, body, UiSection.None, statusCode);
    }

    private static Exception? Innermost(Exception? e)
    {
        while (e?.InnerException is not null)
        {
            e = e.InnerException;
        }

        return e;
    }

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OidcSignIn).FullName!);

    private static partial class Log
    {
        [LoggerMessage(2863, LogLevel.Information, "Provider sign-in not admitted: the required claim {ClaimType} is missing")]
        public static partial void AdmissionRefused(ILogger logger, string claimType);

        [LoggerMessage(2864, LogLevel.Warning, "Provider sign-in failed: {Reason} ({Exception})")]
        public static partial void SignInFailed(ILogger logger, string reason, string exception);

        [LoggerMessage(2841, LogLevel.Information, "User {UserId} signed in at the provider with a second factor ({Evidence})")]
        public static partial void ProviderMfa(ILogger logger, long userId, string evidence);

        [LoggerMessage(2865, LogLevel.Warning, "The identity provider's configuration could not be read: {Exception}: {Message}")]
        public static partial void ProviderUnreachable(ILogger logger, string exception, string message);
    }
}
