using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Ui;

/// <summary>
/// Admin: accounts — create (password typed or generated and shown once), disable/enable, quota, reset password,
/// admin right. Everything goes through <see cref="UserAccounts"/>, like <c>ocm user …</c>. An admin cannot disable
/// themselves or take their own admin right, so the server never ends up without one by accident.
/// </summary>
internal static class AdminUsersPages
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("", (HttpContext context) => UiRequest.Redirect(UiUrls.For(context).Action("admin/users")));
        admin.MapGet("/users", ListAsync);
        admin.MapPost("/users", CreateAsync);
        admin.MapGet("/users/{name}", DetailsAsync);
        admin.MapPost("/users/{name}/quota", QuotaAsync);
        admin.MapPost("/users/{name}/disable", (string name, HttpContext context, UserAccounts accounts, CancellationToken cancellationToken) =>
            SetDisabledAsync(name, disabled: true, context, accounts, cancellationToken));
        admin.MapPost("/users/{name}/enable", (string name, HttpContext context, UserAccounts accounts, CancellationToken cancellationToken) =>
            SetDisabledAsync(name, disabled: false, context, accounts, cancellationToken));
        admin.MapPost("/users/{name}/password", ResetPasswordAsync);
        admin.MapPost("/users/{name}/admin", SetAdminAsync);
    }

    internal static Html SubNavigation(UiRequest ui, string current)
    {
        (string Key, string Label)[] pages = [("users", "Users"), ("groups", "Groups"), ("peers", "Federation peers"), ("outbox", "Outbox"), ("keys", "Signing keys"), ("trust", "Trust policy")];
        var items = pages.Select(p => Html.Of(
            $"<li><a href=\"{ui.Urls.Action("admin/" + p.Key)}\"{(p.Key == current ? Html.Raw(" aria-current=\"page\"") : Html.Empty)}>{p.Label}</a></li>"));
        return Html.Of($"<nav class=\"sub-nav\" aria-label=\"Administration\"><ul>{items}</ul></nav>");
    }

    private static async Task<IResult> ListAsync(HttpContext context, UserAccounts accounts, CancellationToken cancellationToken) =>
        await ListPageAsync(UiRequest.For(context), accounts, created: null, cancellationToken);

    private static async Task<IResult> ListPageAsync(UiRequest ui, UserAccounts accounts, (string Name, string Password)? created, CancellationToken cancellationToken)
    {
        var users = await accounts.ListAsync(cancellationToken);
        var sources = await Identity.AccountSources.OfAllAsync(ui.Http.RequestServices.GetRequiredService<OcmDb>(), cancellationToken);
        var rows = users.Select(u => Html.Of($"""
            <tr data-user="{u.Name}">
            <td><a href="{ui.Urls.Action("admin/users/" + Uri.EscapeDataString(u.Name))}">{u.Name}</a>{(u.IsAdmin ? Html.Raw(" <span class=\"badge\">admin</span>") : Html.Empty)}</td>
            <td data-th="Display name">{u.DisplayName ?? "—"}</td>
            <td data-th="E-mail">{u.Email ?? "—"}</td>
            <td data-th="Storage">{Usage(u.UsedBytes, u.QuotaBytes)}</td>
            <td data-th="Sign-in">{Identity.AccountSources.Label(sources, u.Id)}</td>
            <td data-th="State">{(u.Disabled ? Html.Raw("<span class=\"state failed\">disabled</span>") : Html.Raw("<span class=\"state accepted\">active</span>"))}</td>
            <td data-th="Created">{UiFormat.Time(u.Created)}</td>
            </tr>
            """));
        var shown = created is { } c ? NewPassword(c.Name, c.Password, "User created") : Html.Empty;
        var fields = Html.Raw("""
            <label for="new-user">User name</label>
            <input id="new-user" name="name" type="text" required maxlength="64" autocapitalize="none" spellcheck="false" pattern="[A-Za-z0-9_][A-Za-z0-9_.@-]*">
            <label for="new-display">Display name (optional)</label>
            <input id="new-display" name="displayName" type="text" maxlength="200">
            <label for="new-email">E-mail (optional)</label>
            <input id="new-email" name="email" type="email" maxlength="320">
            <label for="new-quota">Quota (optional, e.g. 10G)</label>
            <input id="new-quota" name="quota" type="text" maxlength="20" placeholder="unlimited">
            <label for="new-password">Password (leave empty to generate one)</label>
            <input id="new-password" name="password" type="password" minlength="8" autocomplete="new-password">
            <p class="check"><input type="checkbox" id="new-admin" name="admin" value="1"> <label for="new-admin">Administrator</label></p>
            <button type="submit" id="create-user">Create user</button>
            """);
        var body = Html.Of($"""
            <h1>Users</h1>
            {shown}
            <div class="table-wrap"><table id="users">
            <thead><tr><th scope="col">User</th><th scope="col">Display name</th><th scope="col">E-mail</th><th scope="col">Storage</th><th scope="col">Sign-in</th><th scope="col">State</th><th scope="col">Created</th></tr></thead>
            <tbody>{rows}</tbody>
            </table></div>
            <section aria-labelledby="create-user-title">
            <h2 id="create-user-title">Create a user</h2>
            {ui.Form(ui.Urls.Action("admin/users"), fields, "stack narrow", id: "user-form")}
            </section>
            """);
        return ui.Page("Users", body, UiSection.Admin, created is null ? StatusCodes.Status200OK : StatusCodes.Status201Created, SubNavigation(ui, "users"));
    }

    private static Html Usage(long used, long? quota) => quota is long limit && limit > 0
        ? Html.Of($"<meter min=\"0\" max=\"{limit}\" value=\"{Math.Min(used, limit)}\" low=\"{limit * 8 / 10}\" high=\"{limit * 95 / 100}\" optimum=\"0\" aria-hidden=\"true\"></meter> {UiFormat.Bytes(used)} of {UiFormat.Bytes(limit)}")
        : Html.Of($"{UiFormat.Bytes(used)} (no quota)");

    private static Html NewPassword(string userName, string password, string what) => Html.Of($"""
        <div class="card secret" role="status" id="new-password-shown">
        <p>{what}. The password of <strong>{userName}</strong>, shown only now — pass it on securely:</p>
        <p><output id="password-value" class="secret-value">{password}</output> <button type="button" class="secondary" data-copy="password-value">Copy</button></p>
        </div>
        """);

    private static async Task<IResult> CreateAsync(HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var name = form["name"].ToString().Trim();
        var typed = form["password"].ToString();
        var password = typed.Length == 0 ? accounts.GeneratePassword() : typed;
        try
        {
            var quota = UserCommands.ParseQuota(NullIfBlank(form["quota"]), out var unlimited);
            await accounts.AddAsync(
                new NewUser(name, password, NullIfBlank(form["displayName"]), NullIfBlank(form["email"]), unlimited ? null : quota, form["admin"] == "1"),
                cancellationToken);
        }
        catch (UserAccountException ex)
        {
            return ui.Redirect(ui.Urls.Action("admin/users"), FlashKind.Error, ex.Message);
        }

        return typed.Length == 0
            ? await ListPageAsync(ui, accounts, (name, password), cancellationToken)
            : ui.Redirect(ui.Urls.Action("admin/users"), FlashKind.Success, $"User “{name}” created.");
    }

    private static async Task<IResult> DetailsAsync(string name, HttpContext context, OcmDb db, UserAccounts accounts, CancellationToken cancellationToken) =>
        await DetailsPageAsync(UiRequest.For(context), name, db, accounts, resetPassword: null, cancellationToken);

    private static async Task<IResult> DetailsPageAsync(UiRequest ui, string name, OcmDb db, UserAccounts accounts, string? resetPassword, CancellationToken cancellationToken)
    {
        var summary = (await accounts.ListAsync(cancellationToken)).FirstOrDefault(u => string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase));
        if (summary is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "No such user", $"There is no user named “{name}”.", UiSection.Admin);
        }

        var appPasswords = await db.Set<AppPassword>().CountAsync(a => a.UserId == summary.Id, cancellationToken);
        var sources = await Identity.AccountSources.OfUserAsync(db, summary.Id, cancellationToken);
        var self = summary.Id == ui.User.Id;
        var baseUrl = ui.Urls.Action("admin/users/" + Uri.EscapeDataString(summary.Name));
        var quotaFields = Html.Of($"""
            <label for="quota">Quota (e.g. 500M, 10G, or “unlimited”)</label>
            <input id="quota" name="quota" type="text" required maxlength="20" value="{(summary.QuotaBytes is long q ? UiFormat.Bytes(q).Replace(" ", "", StringComparison.Ordinal).Replace("iB", "", StringComparison.Ordinal) : "unlimited")}">
            <button type="submit" id="set-quota">Set quota</button>
            """);
        var disable = self
            ? Html.Raw("<p class=\"hint\">You cannot disable your own account.</p>")
            : summary.Disabled
                ? ui.ButtonForm(baseUrl + "/enable", "Enable account", "secondary", null)
                : ui.ButtonForm(baseUrl + "/disable", "Disable account", "danger", $"Disable {summary.Name}? Their sessions, passwords and app passwords stop working at once.");
        var adminToggle = self
            ? Html.Raw("<p class=\"hint\">You cannot take away your own admin right.</p>")
            : ui.ButtonForm(baseUrl + "/admin", summary.IsAdmin ? "Remove admin right" : "Make administrator", "secondary", null, ("admin", summary.IsAdmin ? "0" : "1"));
        var body = Html.Of($"""
            <h1>{summary.Name}</h1>
            {(resetPassword is null ? Html.Empty : NewPassword(summary.Name, resetPassword, "Password reset"))}
            <dl class="details">
            <dt>Display name</dt><dd>{summary.DisplayName ?? "—"}</dd>
            <dt>E-mail</dt><dd>{summary.Email ?? "—"}</dd>
            <dt>State</dt><dd>{(summary.Disabled ? "disabled" : "active")}{(summary.IsAdmin ? ", administrator" : "")}</dd>
            <dt>Sign-in</dt><dd id="account-source">{Identity.AccountSources.Label(sources, summary.Id)}</dd>
            <dt>Storage</dt><dd>{Usage(summary.UsedBytes, summary.QuotaBytes)}</dd>
            <dt>App passwords</dt><dd>{appPasswords}</dd>
            <dt>Created</dt><dd>{UiFormat.Time(summary.Created)}</dd>
            </dl>
            <section aria-labelledby="quota-title"><h2 id="quota-title">Quota</h2>
            {ui.Form(baseUrl + "/quota", quotaFields, "stack narrow")}
            </section>
            <section aria-labelledby="password-title"><h2 id="password-title">Password</h2>
            <p>Generates a new password and shows it once; the user's web sessions end (yours too, if it is you). App passwords keep working.</p>
            {ui.ButtonForm(baseUrl + "/password", "Reset password", "secondary", $"Reset the password of {summary.Name}?")}
            </section>
            <section aria-labelledby="access-title"><h2 id="access-title">Access</h2>
            <p class="actions-row">{disable} {adminToggle}</p>
            </section>
            """);
        return ui.Page(summary.Name, body, UiSection.Admin, resetPassword is null ? StatusCodes.Status200OK : StatusCodes.Status201Created, SubNavigation(ui, "users"));
    }

    private static async Task<IResult> QuotaAsync(string name, HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var back = ui.Urls.Action("admin/users/" + Uri.EscapeDataString(name));
        try
        {
            var quota = UserCommands.ParseQuota(form["quota"].ToString(), out var unlimited);
            await accounts.UpdateAsync(name, displayName: null, email: null, quota, clearQuota: unlimited, cancellationToken);
        }
        catch (UserAccountException ex)
        {
            return ui.Redirect(back, FlashKind.Error, ex.Message);
        }

        return ui.Redirect(back, FlashKind.Success, "Quota changed.");
    }

    private static async Task<IResult> SetDisabledAsync(string name, bool disabled, HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var back = ui.Urls.Action("admin/users/" + Uri.EscapeDataString(name));
        if (disabled && string.Equals(name, ui.User.Name, StringComparison.OrdinalIgnoreCase))
        {
            return ui.Redirect(back, FlashKind.Error, "You cannot disable your own account.");
        }

        try
        {
            await accounts.SetDisabledAsync(name, disabled, cancellationToken);
        }
        catch (UserAccountException ex)
        {
            return ui.Redirect(ui.Urls.Action("admin/users"), FlashKind.Error, ex.Message);
        }

        return ui.Redirect(back, FlashKind.Success, disabled ? $"{name} is disabled." : $"{name} is enabled.");
    }

    private static async Task<IResult> ResetPasswordAsync(string name, HttpContext context, UserAccounts accounts, OcmDb db, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var password = accounts.GeneratePassword();
        try
        {
            await accounts.SetPasswordAsync(name, password, cancellationToken);
        }
        catch (UserAccountException ex)
        {
            return ui.Redirect(ui.Urls.Action("admin/users"), FlashKind.Error, ex.Message);
        }

        return await DetailsPageAsync(ui, name, db, accounts, password, cancellationToken);
    }

    private static async Task<IResult> SetAdminAsync(string name, HttpContext context, UserAccounts accounts, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var back = ui.Urls.Action("admin/users/" + Uri.EscapeDataString(name));
        var grant = form["admin"] == "1";
        if (!grant && string.Equals(name, ui.User.Name, StringComparison.OrdinalIgnoreCase))
        {
            return ui.Redirect(back, FlashKind.Error, "You cannot take away your own admin right.");
        }

        try
        {
            await accounts.SetAdminAsync(name, grant, cancellationToken);
        }
        catch (UserAccountException ex)
        {
            return ui.Redirect(ui.Urls.Action("admin/users"), FlashKind.Error, ex.Message);
        }

        return ui.Redirect(back, FlashKind.Success, grant ? $"{name} is now an administrator." : $"{name} is no longer an administrator.");
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
