using Ocm.Ui;

namespace Ocm.Identity.Groups;

/// <summary>
/// Admin: groups — local groups created, deleted and their members changed; a provider's groups listed with their
/// members (set at each sign-in, so read-only here). Everything goes through <see cref="GroupDirectory"/>, like
/// <c>ocm group …</c> and the API.
/// </summary>
internal static class AdminGroupsPages
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup(UiUrls.Mount + "/admin").ExcludeFromDescription()
            .RequireAuthorization(UiSession.AdminPolicy).AddEndpointFilter<CsrfFilter>();
        admin.MapGet("/groups", ListAsync);
        admin.MapPost("/groups", (HttpContext context, GroupDirectory groups, CancellationToken cancellationToken) =>
            ChangeAsync(context, async form =>
            {
                var group = await groups.AddAsync(form["name"].ToString(), form["displayName"].ToString(), cancellationToken);
                return ($"admin/groups/{Uri.EscapeDataString(group.Name)}", $"Group “{group.Name}” created.");
            }, "admin/groups"));
        admin.MapGet("/groups/{name}", DetailsAsync);
        admin.MapPost("/groups/{name}/members", (string name, HttpContext context, GroupDirectory groups, CancellationToken cancellationToken) =>
            ChangeAsync(context, async form =>
            {
                var user = form["user"].ToString().Trim();
                await groups.AddMemberAsync(name, user, cancellationToken);
                return (Here(name), $"{user} added to “{name}”.");
            }, Here(name)));
        admin.MapPost("/groups/{name}/members/remove", (string name, HttpContext context, GroupDirectory groups, CancellationToken cancellationToken) =>
            ChangeAsync(context, async form =>
            {
                var user = form["user"].ToString();
                await groups.RemoveMemberAsync(name, user, cancellationToken);
                return (Here(name), $"{user} removed from “{name}”.");
            }, Here(name)));
        admin.MapPost("/groups/{name}/delete", (string name, HttpContext context, GroupDirectory groups, CancellationToken cancellationToken) =>
            ChangeAsync(context, async _ =>
            {
                await groups.RemoveAsync(name, cancellationToken);
                return ("admin/groups", $"Group “{name}” deleted.");
            }, Here(name)));
    }

    private static string Here(string name) => "admin/groups/" + Uri.EscapeDataString(name);

    private static async Task<IResult> ChangeAsync(HttpContext context, Func<IFormCollection, Task<(string Target, string Message)>> change, string onError)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        try
        {
            var (target, message) = await change(form);
            return ui.Redirect(ui.Urls.Action(target), FlashKind.Success, message);
        }
        catch (GroupException ex)
        {
            return ui.Redirect(ui.Urls.Action(onError), FlashKind.Error, ex.Message);
        }
    }

    private static async Task<IResult> ListAsync(HttpContext context, GroupDirectory groups, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var list = await groups.ListAsync(cancellationToken);
        var rows = list.Select(g => Html.Of($"""
            <tr data-group="{g.Name}">
            <td><a href="{ui.Urls.Action(Here(g.Name))}">{g.Name}</a></td>
            <td data-th="Display name">{g.DisplayName ?? "—"}</td>
            <td data-th="Source">{Source(g.Issuer)}</td>
            <td data-th="Members">{g.Members}</td>
            <td data-th="Created">{UiFormat.Time(g.Created)}</td>
            </tr>
            """));
        var table = list.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-groups\">No groups yet.</p>")
            : Html.Of($"""
                <div class="table-wrap"><table id="groups">
                <thead><tr><th scope="col">Name</th><th scope="col">Display name</th><th scope="col">Source</th><th scope="col">Members</th><th scope="col">Created</th></tr></thead>
                <tbody>{rows}</tbody></table></div>
                """);
        var fields = Html.Raw($"""
            <label for="new-group">Group name</label>
            <input id="new-group" name="name" type="text" required maxlength="{GroupNames.MaxLength}">
            <label for="new-group-display">Display name (optional)</label>
            <input id="new-group-display" name="displayName" type="text" maxlength="200">
            <button type="submit" id="create-group">Create group</button>
            """);
        var body = Html.Of($"""
            <h1>Groups</h1>
            <p>Local groups are managed here; groups of the identity provider come from its groups claim, and their members are set at each sign-in.</p>
            {table}
            <h2>New local group</h2>
            {ui.Form(ui.Urls.Action("admin/groups"), fields, "stack narrow", id: "group-form")}
            """);
        return ui.Page("Groups", body, UiSection.Admin, subNavigation: Ui.AdminUsersPages.SubNavigation(ui, "groups"));
    }

    private static async Task<IResult> DetailsAsync(string name, HttpContext context, GroupDirectory groups, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var group = (await groups.ListAsync(cancellationToken)).FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase));
        if (group is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "No such group", $"There is no group named “{name}”.", UiSection.Admin);
        }

        var members = await groups.MembersAsync(group.Name, cancellationToken);
        var local = group.Issuer is null;
        var here = ui.Urls.Action(Here(group.Name));
        var rows = members.Select(m => Html.Of($"""
            <li data-member="{m}">{m}{(local ? Html.Of($" {ui.ButtonForm(here + "/members/remove", "Remove", "danger small", null, ("user", m))}") : Html.Empty)}</li>
            """));
        var list = members.Count == 0 ? Html.Raw("<p class=\"empty\" id=\"no-members\">No members.</p>") : Html.Of($"<ul id=\"members\">{rows}</ul>");
        var add = local
            ? ui.Form(here + "/members", Html.Raw("""
                <label for="member-user">User name</label>
                <input id="member-user" name="user" type="text" required maxlength="64" autocapitalize="none" spellcheck="false">
                <button type="submit" id="add-member">Add member</button>
                """), "stack narrow", id: "member-form")
            : Html.Raw("<p id=\"provider-managed\">The members of this group come from the identity provider at each sign-in.</p>");
        var body = Html.Of($"""
            <h1>{group.Name}</h1>
            <dl class="details"><dt>Display name</dt><dd>{group.DisplayName ?? "—"}</dd><dt>Source</dt><dd>{Source(group.Issuer)}</dd><dt>Created</dt><dd>{UiFormat.Time(group.Created)}</dd></dl>
            <h2>Members</h2>
            {list}
            {add}
            {ui.ButtonForm(here + "/delete", "Delete group", "danger", $"Delete the group “{group.Name}”?")}
            """);
        return ui.Page(group.Name, body, UiSection.Admin, subNavigation: Ui.AdminUsersPages.SubNavigation(ui, "groups"));
    }

    private static Html Source(string? issuer) =>
        issuer switch
        {
            null => Html.Raw("local"),
            Ldap.LdapOptions.Issuer => Html.Raw("directory"),
            _ => Html.Of($"identity provider <span class=\"muted\">{issuer}</span>"),
        };
}
