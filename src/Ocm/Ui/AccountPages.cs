using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Users;

namespace Ocm.Ui;

/// <summary>
/// The signed-in user's account: who they are on the federation (their OCM address), storage, and app passwords for
/// sync clients — listed, created (the password shown once, on the response to the POST, never stored or redirected
/// with) and revoked.
/// </summary>
internal static class AccountPages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/account", ShowAsync);
        ui.MapPost("/account/app-passwords", CreateAppPasswordAsync);
        ui.MapPost("/account/app-passwords/{id:long}/revoke", RevokeAppPasswordAsync);
    }

    private static async Task<IResult> ShowAsync(HttpContext context, UserAccounts accounts, OcmDb db, FileTree files, CancellationToken cancellationToken) =>
        await PageAsync(UiRequest.For(context), accounts, db, files, created: null, StatusCodes.Status200OK, cancellationToken);

    private static async Task<IResult> CreateAppPasswordAsync(HttpContext context, UserAccounts accounts, OcmDb db, FileTree files, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var label = form["label"].ToString().Trim();
        if (label.Length is 0 or > 100)
        {
            return ui.Redirect(ui.Urls.Action("account"), FlashKind.Error, "Give the app password a name of 1 to 100 characters, e.g. “laptop”.");
        }

        // Made in a two-factor session, it may open received shares that require one (Identity/Mfa/MfaShareAccess.cs).
        var (entry, password) = await accounts.AddAppPasswordAsync(ui.User.Name, label, Identity.Mfa.MfaSession.UsedMfa(context.User), cancellationToken);
        return await PageAsync(ui, accounts, db, files, (entry.Label, password), StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> RevokeAppPasswordAsync(long id, HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        try
        {
            await accounts.RevokeAppPasswordAsync(ui.User.Name, id, cancellationToken);
        }
        catch (UserAccountException)
        {
            return ui.Redirect(ui.Urls.Action("account"), FlashKind.Error, "That app password no longer exists.");
        }

        return ui.Redirect(ui.Urls.Action("account"), FlashKind.Success, "App password revoked: the client using it must sign in again.");
    }

    private static async Task<IResult> PageAsync(
        UiRequest ui, UserAccounts accounts, OcmDb db, FileTree files, (string Label, string Password)? created, int statusCode, CancellationToken cancellationToken)
    {
        var user = ui.User;
        var profile = await db.Set<User>().AsNoTracking().Where(u => u.Id == user.Id).Select(u => new { u.Email, u.Created }).SingleAsync(cancellationToken);
        var appPasswords = await accounts.ListAppPasswordsAsync(user.Name, cancellationToken);
        var used = await files.UsedBytesAsync(user.Id, cancellationToken);
        var twoFactor = await Identity.Mfa.TwoFactorPages.AccountSectionAsync(ui, ui.Http.RequestServices.GetRequiredService<Identity.Mfa.TwoFactor>(), cancellationToken);

        var shown = created is { } c
            ? Html.Of($"""
                <div class="card secret" role="status" id="new-app-password">
                <p>New app password for <strong>{c.Label}</strong>. Copy it into your sync client now: it is shown only once.</p>
                <p><output id="app-password-value" class="secret-value">{c.Password}</output>
                <button type="button" class="secondary" data-copy="app-password-value">Copy</button></p>
                <p class="hint">User name: <code>{user.Name}</code> · Server: <code>{ui.Server.PublicUrl.AbsoluteUri}</code></p>
                </div>
                """)
            : Html.Empty;
        var rows = appPasswords.Select(a => Html.Of($"""
            <tr data-label="{a.Label}"><td>{a.Label}</td><td data-th="Created">{UiFormat.Time(a.Created)}</td><td data-th="Two-factor" class="two-factor">{(a.CreatedWithMfa ? "yes" : "no")}</td><td data-th="Last used">{UiFormat.Time(a.LastUsed)}</td>
            <td>{ui.ButtonForm(ui.Urls.Action($"account/app-passwords/{a.Id}/revoke"), "Revoke", "danger small", $"Revoke “{a.Label}”? Clients using it stop syncing.")}</td></tr>
            """));
        var table = appPasswords.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-app-passwords\">No app passwords yet.</p>")
            : Html.Of($"""
                <div class="table-wrap"><table id="app-passwords">
                <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col" title="Created after signing in with two-factor: opens shares that require it">Two-factor</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                <tbody>{rows}</tbody></table></div>
                """);
        var createFields = Html.Raw("""
            <label for="app-label">Name of the device or app</label>
            <input id="app-label" name="label" type="text" required maxlength="100" placeholder="e.g. laptop, phone">
            <button type="submit" id="create-app-password">Create app password</button>
            """);
        var provider = await Identity.SignInChoice.AccountSectionAsync(ui, cancellationToken);
        var body = Html.Of($"""
            <h1>Account</h1>
            {shown}
            <dl class="details">
            <dt>User name</dt><dd>{user.Name}</dd>
            <dt>Display name</dt><dd>{user.DisplayName ?? "—"}</dd>
            <dt>E-mail</dt><dd>{profile.Email ?? "—"}</dd>
            <dt>Federated address</dt><dd><code id="ocm-address">{user.Name}@{ui.Server.Authority}</code></dd>
            <dt>Member since</dt><dd>{UiFormat.Time(profile.Created)}</dd>
            </dl>
            {FilesPages.Quota(used, user.QuotaBytes)}
            {twoFactor}
            {provider}
            <section aria-labelledby="app-passwords-title">
            <h2 id="app-passwords-title">App passwords</h2>
            <p>Sync clients (desktop, mobile, WebDAV) sign in with an app password instead of your account password, so you can revoke one device without changing your password.
            WebDAV address: <code>{ui.Server.Url("remote.php/dav/files/" + Uri.EscapeDataString(user.Name) + "/").AbsoluteUri}</code></p>
            {table}
            {ui.Form(ui.Urls.Action("account/app-passwords"), createFields, "stack narrow", id: "app-password-form")}
            </section>
            """);
        return ui.Page("Account", body, UiSection.Account, statusCode);
    }
}
