using Ocm.Ui;
using Ocm.Users;
using QRCoder;

namespace Ocm.Identity.Mfa;

/// <summary>
/// The second step of signing in (the code, or a recovery code) and two-factor enrolment on the account page: the
/// secret as an <c>otpauth://</c> QR code and as text, confirmation with a first code, recovery codes shown once.
/// </summary>
internal static class TwoFactorPages
{
    /// <summary>The code step of sign-in, under the interface's base.</summary>
    public const string CodePath = "login/two-factor";

    /// <summary>Two-factor settings and enrolment, under the interface's base.</summary>
    public const string EnrolPath = "account/two-factor";

    public static void MapSignInStep(RouteGroupBuilder anonymous)
    {
        anonymous.MapGet("/" + CodePath, ShowCodeAsync);
        anonymous.MapPost("/" + CodePath, CheckCodeAsync);
    }

    /// <summary>Reachable also by a session that must still enrol (see <see cref="MfaEnrolmentGate"/>).</summary>
    public static void MapEnrolment(RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/" + EnrolPath, ShowEnrolmentAsync);
        signedIn.MapPost("/" + EnrolPath + "/start", StartEnrolmentAsync);
        signedIn.MapPost("/" + EnrolPath + "/confirm", ConfirmEnrolmentAsync);
        signedIn.MapPost("/" + EnrolPath + "/recovery-codes", RegenerateAsync);
        signedIn.MapPost("/" + EnrolPath + "/disable", DisableAsync);
    }

    /// <summary>The account page's section: state, and the way to enrolment.</summary>
    public static async Task<Html> AccountSectionAsync(UiRequest ui, TwoFactor twoFactor, CancellationToken cancellationToken)
    {
        var status = await twoFactor.StatusAsync(ui.User.Id, cancellationToken);
        var state = status.Enrolled
            ? Html.Of($"<p id=\"two-factor-state\">Two-factor authentication is <strong>on</strong> (authenticator app). Recovery codes left: {status.RecoveryCodesLeft}.</p>")
            : Html.Of($"<p id=\"two-factor-state\">Two-factor authentication is <strong>off</strong>.{(status.Required ? " This server requires it for your account." : "")}</p>");
        return Html.Of($"""
            <section aria-labelledby="two-factor-title">
            <h2 id="two-factor-title">Two-factor authentication</h2>
            {state}
            <p><a href="{ui.Urls.Action(EnrolPath)}" id="two-factor-settings">{(status.Enrolled ? "Manage two-factor authentication" : "Set up two-factor (TOTP) authentication")}</a></p>
            </section>
            """);
    }

    private static async Task<IResult> ShowCodeAsync(HttpContext context, SignInCompletion completion, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        if (await completion.PendingAsync(context, cancellationToken) is null)
        {
            return ui.Redirect(ui.Urls.Login(), FlashKind.Error, "Sign in again: the time to enter the code ran out.");
        }

        return CodePage(ui, error: null, StatusCodes.Status200OK);
    }

    private static async Task<IResult> CheckCodeAsync(
        HttpContext context, SignInCompletion completion, TwoFactor twoFactor, LoginThrottle throttle, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var pending = await completion.PendingAsync(context, cancellationToken);
        if (pending is null)
        {
            return ui.Redirect(ui.Urls.Login(), FlashKind.Error, "Sign in again: the time to enter the code ran out.");
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var code = form["code"].ToString();
        if (code.Trim().Length == 0)
        {
            return CodePage(ui, "Enter the 6-digit code from your authenticator app, or a recovery code.", StatusCodes.Status400BadRequest);
        }

        // Codes are throttled as passwords are: the same counters per user name and address (Users/LoginThrottle.cs),
        // so guessing six digits takes as long as guessing a password.
        var userName = await twoFactor.UserNameAsync(pending.UserId, cancellationToken);
        var address = context.Connection.RemoteIpAddress;
        var throttled = await throttle.CheckAsync(userName, address, cancellationToken);
        if (throttled.RetryAfter is TimeSpan wait)
        {
            Hosting.RetryAfter.Set(context.Response, wait);
            var minutes = Math.Max(1, (int)Math.Ceiling(wait.TotalMinutes));
            return CodePage(ui, $"Too many wrong codes. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.", StatusCodes.Status429TooManyRequests);
        }

        var check = await twoFactor.VerifyAsync(pending.UserId, code, cancellationToken);
        if (check is SecondFactorCheck.Invalid or SecondFactorCheck.Reused)
        {
            await throttle.RecordFailureAsync(userName, address, cancellationToken);
            return CodePage(ui,
                check == SecondFactorCheck.Reused
                    ? "That code was already used. Wait for the next code in your app."
                    : "Wrong code. Check that your device's clock is right, or use a recovery code.",
                StatusCodes.Status401Unauthorized);
        }

        if (throttled.HasUserFailures)
        {
            await throttle.RecordSuccessAsync(userName, address, cancellationToken);
        }

        return await completion.AfterSecondFactorAsync(context, pending, check, cancellationToken);
    }

    private static IResult CodePage(UiRequest ui, string? error, int statusCode)
    {
        var errorHtml = error is null ? Html.Empty : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"code-error\">{error}</p>");
        var fields = Html.Raw("""
            <label for="code">Code from your authenticator app</label>
            <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" required autofocus maxlength="20">
            <button type="submit" id="verify-code">Verify</button>
            """);
        var body = Html.Of($"""
            <div class="narrow">
            <h1>Two-factor authentication</h1>
            {errorHtml}
            <p>Enter the 6-digit code your authenticator app shows for {ui.Server.ProviderName}. Lost your phone? Enter one of your recovery codes instead.</p>
            {ui.Form(ui.Urls.Action(CodePath), fields, "stack", id: "two-factor-form")}
            </div>
            """);
        return ui.Page("Two-factor authentication", body, UiSection.None, statusCode);
    }

    private static async Task<IResult> ShowEnrolmentAsync(HttpContext context, TwoFactor twoFactor, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        return await EnrolmentPageAsync(ui, twoFactor, recoveryCodes: null, error: null, StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> StartEnrolmentAsync(HttpContext context, TwoFactor twoFactor, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        if (await twoFactor.BeginEnrolmentAsync(ui.User.Id, cancellationToken) is null)
        {
            return ui.Redirect(ui.Urls.Action(EnrolPath), FlashKind.Error, "Two-factor authentication is already on. Turn it off first to set up another app.");
        }

        return UiRequest.Redirect(ui.Urls.Action(EnrolPath));
    }

    private static async Task<IResult> ConfirmEnrolmentAsync(HttpContext context, TwoFactor twoFactor, SignInCompletion completion, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var codes = await twoFactor.ConfirmEnrolmentAsync(ui.User.Id, form["code"].ToString(), cancellationToken);
        if (codes is null)
        {
            return await EnrolmentPageAsync(ui, twoFactor, null, "That code does not match. Enter the code your app shows now (and check your device's clock).",
                StatusCodes.Status400BadRequest, cancellationToken);
        }

        // Entering a code from the app proves the second factor: this session counts as signed in with it.
        await completion.UpgradeSessionAsync(context, SecondFactorCheck.Totp, cancellationToken);
        return await EnrolmentPageAsync(ui, twoFactor, codes, null, StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> RegenerateAsync(HttpContext context, TwoFactor twoFactor, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        if (!await twoFactor.IsEnrolledAsync(ui.User.Id, cancellationToken))
        {
            return ui.Redirect(ui.Urls.Action(EnrolPath), FlashKind.Error, "Two-factor authentication is off: there are no recovery codes to replace.");
        }

        var codes = await twoFactor.RegenerateRecoveryCodesAsync(ui.User.Id, cancellationToken);
        return await EnrolmentPageAsync(ui, twoFactor, codes, null, StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> DisableAsync(HttpContext context, TwoFactor twoFactor, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var check = await twoFactor.VerifyAsync(ui.User.Id, form["code"].ToString(), cancellationToken);
        if (check is SecondFactorCheck.Invalid or SecondFactorCheck.Reused)
        {
            return ui.Redirect(ui.Urls.Action(EnrolPath), FlashKind.Error, "Wrong code: two-factor authentication stays on.");
        }

        await twoFactor.DisableAsync(ui.User.Id, cancellationToken);
        return ui.Redirect(ui.Urls.Action(EnrolPath), FlashKind.Success, "Two-factor authentication is off.");
    }

    private static async Task<IResult> EnrolmentPageAsync(
        UiRequest ui, TwoFactor twoFactor, IReadOnlyList<string>? recoveryCodes, string? error, int statusCode, CancellationToken cancellationToken)
    {
        var user = ui.User;
        var status = await twoFactor.StatusAsync(user.Id, cancellationToken);
        var errorHtml = error is null ? Html.Empty : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"enrol-error\">{error}</p>");
        var codesHtml = recoveryCodes is null
            ? Html.Empty
            : Html.Of($"""
                <div class="card secret" role="status" id="recovery-codes">
                <p><strong>Two-factor authentication is on.</strong> Keep these recovery codes somewhere safe: each signs in once when you do not have your phone. They are shown only now.</p>
                <ul class="recovery-codes">{Html.Join(recoveryCodes.Select(c => Html.Of($"<li><code>{c}</code></li>")))}</ul>
                </div>
                """);
        Html content;
        if (status.Enrolled)
        {
            var disableFields = Html.Raw("""
                <label for="disable-code">Current code (or a recovery code)</label>
                <input id="disable-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="20">
                <button type="submit" class="danger" id="disable-two-factor">Turn off two-factor authentication</button>
                """);
            content = Html.Of($"""
                <p id="two-factor-state">Two-factor authentication is <strong>on</strong>. Recovery codes left: <span id="recovery-codes-left">{status.RecoveryCodesLeft}</span>.</p>
                {ui.Form(ui.Urls.Action(EnrolPath + "/recovery-codes"), Html.Raw("<button type=\"submit\" class=\"secondary\" id=\"new-recovery-codes\">Create new recovery codes</button>"), "inline",
                    confirm: "Create new recovery codes? The old ones stop working.")}
                {Html.If(!status.Required, ui.Form(ui.Urls.Action(EnrolPath + "/disable"), disableFields, "stack narrow", id: "disable-form"))}
                """);
        }
        else if (status.PendingSecret is { } secret)
        {
            var uri = twoFactor.EnrolmentUri(ui.Server.ProviderName, user.Name, secret);
            var confirmFields = Html.Raw("""
                <label for="enrol-code">Code shown by the app</label>
                <input id="enrol-code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required maxlength="10" autofocus>
                <button type="submit" id="confirm-two-factor">Turn on</button>
                """);
            content = Html.Of($"""
                <ol class="steps">
                <li>Scan this code with an authenticator app (such as FreeOTP, Aegis, Google or Microsoft Authenticator):
                <p><img class="qr" id="totp-qr" alt="QR code of the two-factor secret" src="{QrDataUri(uri)}" width="220" height="220"></p>
                <p class="hint">Cannot scan? Enter this key in the app (time-based, 6 digits, 30 seconds):<br><code id="totp-secret">{Totp.Grouped(secret)}</code></p></li>
                <li>Enter the 6-digit code the app shows to turn two-factor authentication on.
                {ui.Form(ui.Urls.Action(EnrolPath + "/confirm"), confirmFields, "stack narrow", id: "confirm-form")}</li>
                </ol>
                """);
        }
        else
        {
            content = Html.Of($"""
                <p id="two-factor-state">Two-factor authentication is <strong>off</strong>.{(status.Required ? " This server requires it for your account: set it up to continue." : "")}</p>
                <p>With two-factor authentication, signing in to the web interface asks for a code from an app on your phone after your password. Sync clients keep using their app passwords.</p>
                {ui.Form(ui.Urls.Action(EnrolPath + "/start"), Html.Raw("<button type=\"submit\" id=\"start-two-factor\">Set up an authenticator app</button>"), "inline")}
                """);
        }

        var body = Html.Of($"""
            <h1>Two-factor authentication</h1>
            {errorHtml}
            {codesHtml}
            {content}
            <p><a href="{ui.Urls.Action("account")}">Back to your account</a></p>
            """);
        return ui.Page("Two-factor authentication", body, UiSection.Account, statusCode);
    }

    /// <summary>The otpauth:// URI as a PNG QR code in a data: URI (the pages' CSP allows <c>img-src data:</c>).</summary>
    private static string QrDataUri(string uri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(5);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
