using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Identity.Mfa;
using Ocm.Users;

namespace Ocm.Ui;

/// <summary>
/// Sign-in and sign-out. Sign-in goes through the same <see cref="CredentialVerifier"/> as WebDAV and the API, so
/// the per-user and per-address throttle applies here too; app passwords are for sync clients and are refused.
/// </summary>
internal static class LoginPages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/login", ShowAsync);
        ui.MapPost("/login", SignInAsync);
        // Authenticated (not required) so the sign-out form's anti-forgery token, issued to the signed-in user, validates.
        ui.MapPost("/logout", SignOutAsync).RequireAuthorization(UiSession.Policy).AllowAnonymous();
    }

    private static Task<IResult> ShowAsync(HttpContext context, string? returnUrl, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        return Task.FromResult(Page(ui, returnUrl, userName: null, error: null, StatusCodes.Status200OK));
    }

    private static async Task<IResult> SignInAsync(HttpContext context, CredentialVerifier verifier, SignInCompletion completion, OcmDb db, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var userName = form["user"].ToString().Trim();
        var password = form["password"].ToString();
        var remember = form["remember"] == "on";
        var returnUrl = form["returnUrl"].ToString();
        if (userName.Length == 0 || password.Length == 0)
        {
            return Page(ui, returnUrl, userName, "Enter your user name and password.", StatusCodes.Status400BadRequest);
        }

        var result = await verifier.VerifyAsync(userName, password, context.Connection.RemoteIpAddress, cancellationToken);
        if (result.Status == SignInStatus.Throttled)
        {
            var minutes = Math.Max(1, (int)Math.Ceiling(result.RetryAfter.TotalMinutes));
            Hosting.RetryAfter.Set(context.Response, result.RetryAfter);
            return Page(ui, returnUrl, userName,
                $"Too many failed sign-ins for this user or from this address. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.",
                StatusCodes.Status429TooManyRequests);
        }

        if (result.Status == SignInStatus.Unavailable)
        {
            Hosting.RetryAfter.Set(context.Response, TimeSpan.FromMinutes(1));
            return Page(ui, returnUrl, userName,
                "The user directory (LDAP) of this server does not answer, so directory accounts cannot sign in right now. Try again in a few minutes. Administrators with a local password can still sign in.",
                StatusCodes.Status503ServiceUnavailable);
        }

        if (result.Status != SignInStatus.Success)
        {
            return Page(ui, returnUrl, userName, "Wrong user name or password.", StatusCodes.Status401Unauthorized);
        }

        var signedIn = result.User!;
        if (signedIn.AppPasswordId is not null)
        {
            return Page(ui, returnUrl, userName,
                "That is an app password, which only sync clients use. Sign in with your account password.", StatusCodes.Status401Unauthorized);
        }

        var isAdmin = await db.Set<User>().AsNoTracking().Where(u => u.Id == signedIn.Id).Select(u => u.IsAdmin).SingleAsync(cancellationToken);
        if (!result.FromDirectory && !context.RequestServices.GetRequiredService<Identity.LocalSignInOptions>().Allows(signedIn.Name, isAdmin))
        {
            return Page(ui, returnUrl, userName, "Password sign-in is turned off on this server: sign in with the identity provider.", StatusCodes.Status403Forbidden);
        }

        // The second factor, if the user has one or must have one, comes next: Identity/Mfa/SignInCompletion.cs.
        return await completion.AfterPasswordAsync(context, signedIn.Id, remember, returnUrl, cancellationToken);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var signedOut = ui.Redirect(ui.Urls.Login(), FlashKind.Success, "You are signed out.");

        // A session that came from the identity provider ends there too (RP-initiated logout), which then sends the
        // browser back to the sign-in page; the message above waits there in its cookie.
        var atProvider = await Identity.Oidc.OidcSignIn.SignOutAtProviderAsync(context, ui.Urls.Login());
        await context.SignOutAsync(UiSession.Scheme);
        return atProvider ? Results.Empty : signedOut;
    }

    private static IResult Page(UiRequest ui, string? returnUrl, string? userName, string? error, int statusCode)
    {
        var errorHtml = error is null ? Html.Empty : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"login-error\">{error}</p>");
        var returnField = UiUrls.IsLocal(returnUrl) ? Html.Of($"<input type=\"hidden\" name=\"returnUrl\" value=\"{returnUrl}\">") : Html.Empty;
        var fields = Html.Of($"""
            {returnField}
            <label for="user">User name</label>
            <input id="user" name="user" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{userName}"{(userName is null ? Html.Raw(" autofocus") : Html.Empty)}>
            <label for="password">Password</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required{(userName is null ? Html.Empty : Html.Raw(" autofocus"))}>
            <p class="check"><input id="remember" name="remember" type="checkbox"> <label for="remember">Remember me on this device for {ui.Http.RequestServices.GetRequiredService<UiOptions>().RememberMeDays} days</label></p>
            <button type="submit" id="sign-in">Sign in</button>
            """);
        // An invite link from another server lands here first: say why an account of this server is asked for.
        var purpose = UiUrls.IsLocal(returnUrl) && returnUrl!.StartsWith(ui.Server.Path(Invites.InvitePaths.AcceptDialog) + "?", StringComparison.Ordinal)
            ? Html.Raw("<p id=\"login-purpose\">Someone on another server invited you. Sign in with your account here to accept the invite.</p>")
            : Html.Empty;
        var body = Html.Of($"""
            <div class="narrow">
            <h1>Sign in to {ui.Server.ProviderName}</h1>
            {purpose}
            {errorHtml}
            {Identity.SignInChoice.Render(ui, returnUrl, ui.Form(ui.Urls.Action("login"), fields, "stack", id: "login"))}
            <p class="muted">Sync clients (desktop and mobile apps) sign in with an app password, which you can create under Account once signed in.</p>
            </div>
            """);
        return ui.Page("Sign in", body, UiSection.None, statusCode);
    }
}
