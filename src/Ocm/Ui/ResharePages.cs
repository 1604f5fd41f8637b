using Ocm.Protocol.Shares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// Resharing (OCM §Resharing) as both sides see it. The recipient of a share that may be shared further asks its
/// owner's server to share it with someone else (REQUEST_RESHARE, through <see cref="OutgoingShares.CreateAsync"/> like
/// any share), sees what became of each request and takes one back (RESHARE_UNDO, <see cref="Reshares.UndoAsync"/>). The
/// owner sees which of their shares were shared further, by whom and with whom, and revokes any of them
/// (<see cref="OutgoingShares.RevokeAsync"/>). The page holds no rule of its own.
/// </summary>
internal static class ResharePages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/reshares", ShowAsync);
        ui.MapPost("/reshares", RequestAsync);
        ui.MapPost("/reshares/{id:long}/undo", UndoAsync);
        ui.MapPost("/reshares/shares/{id:long}/revoke", RevokeAsync);
    }

    private static async Task<IResult> ShowAsync(
        HttpContext context, ReceivedShares received, Reshares reshares, OutgoingShares outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var chosen = long.TryParse(context.Request.Query["share"], out var id) ? id : (long?)null;
        return await PageAsync(ui, received, reshares, outgoing, chosen, typed: null, StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> PageAsync(
        UiRequest ui, ReceivedShares received, Reshares reshares, OutgoingShares outgoing, long? chosen, (string ShareWith, string Error)? typed, int status,
        CancellationToken cancellationToken)
    {
        var user = ui.User;

        // What may be shared further: accepted shares whose owner gave the 'share' permission.
        var shareable = (await received.ListAsync(user.Id, ReceivedShareState.Accepted, cancellationToken))
            .Where(s => s.Path is not null && SharePermissionNames.Parse(s.Permissions).HasFlag(SharePermissions.Share))
            .ToList();
        var asked = await reshares.ListAsync(user.Id, cancellationToken);
        asked.Reverse();
        var resharedByOthers = (await outgoing.ListAsync(user.Id, fileId: null, cancellationToken)).Where(s => s.ResharedBy is not null).ToList();

        var error = typed is { } t ? Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"reshare-error\">{t.Error}</p>") : Html.Empty;
        var form = shareable.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"nothing-to-reshare\">Nothing shared with you may be shared further: its owner decides that when sharing it with you.</p>")
            : ui.Form(ui.Urls.Action("reshares"), Html.Of($"""
                {error}
                <label for="reshare-share">What</label>
                <select id="reshare-share" name="share">{shareable.Select(s => Html.Of($"<option value=\"{s.Id}\"{(s.Id == chosen ? Html.Raw(" selected") : Html.Empty)}>{s.Name} (from {s.Owner})</option>"))}</select>
                <label for="reshare-with">The recipient's address</label>
                <input id="reshare-with" name="shareWith" type="text" inputmode="email" autocomplete="off" autocapitalize="none" spellcheck="false"
                  required placeholder="carol@cloud.example.org" aria-describedby="reshare-with-help" value="{typed?.ShareWith}"{(typed is null ? Html.Empty : Html.Raw(" aria-invalid=\"true\""))}>
                <p class="hint" id="reshare-with-help">The owner's server makes the share: the owner sees it and can revoke it.</p>
                <p class="check"><input type="checkbox" id="reshare-write" name="write" value="1"> <label for="reshare-write">They can edit (if you can)</label></p>
                <button type="submit" id="request-reshare">Ask the owner's server</button>
                """), "stack", id: "reshare-form");

        var askedList = asked.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-reshares\">You have not shared anything further.</p>")
            : Html.Of($"<ul class=\"cards\" id=\"reshares\">{asked.Select(r => AskedCard(ui, r))}</ul>");
        var othersList = resharedByOthers.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-reshared\">Nobody has shared your files further.</p>")
            : Html.Of($"<ul class=\"cards\" id=\"reshared\">{resharedByOthers.Select(s => ResharedCard(ui, s))}</ul>");

        var body = Html.Of($"""
            <nav class="breadcrumbs" aria-label="Back"><ol><li><a href="{ui.Urls.Action("shared-with-me")}">Shared with me</a></li></ol></nav>
            <h1>Reshares</h1>
            <div class="columns">
            <section aria-labelledby="share-further-title">
            <h2 id="share-further-title">Share further what was shared with you</h2>
            {form}
            <h2 id="asked-title">You asked ({asked.Count})</h2>
            {askedList}
            </section>
            <section aria-labelledby="reshared-title">
            <h2 id="reshared-title">Your shares, shared further ({resharedByOthers.Count})</h2>
            {othersList}
            </section>
            </div>
            """);
        return ui.Page("Reshares", body, UiSection.SharedWithMe, status);
    }

    private static Html AskedCard(UiRequest ui, ReshareView reshare)
    {
        var (label, css) = reshare.State switch
        {
            Reshares.Requested => ("asked, waiting for the owner's server", "pending"),
            Reshares.Created => ("shared by the owner's server", "accepted"),
            Reshares.Refused => ("refused", "failed"),
            _ => ("undone", "declined"),
        };
        var reason = reshare.Reason is { Length: > 0 } why ? Html.Of($"<p class=\"hint reason\">Why: {why}</p>") : Html.Empty;
        var undo = reshare.State is Reshares.Requested or Reshares.Created
            ? ui.ButtonForm(ui.Urls.Action($"reshares/{reshare.Id}/undo"), "Undo", "danger undo", $"Stop sharing “{reshare.Name}” with {reshare.ShareWith}?")
            : Html.Empty;
        var can = reshare.Permissions.Contains(WebDavPermissions.Write) ? "can edit" : "can view";
        return Html.Of($"""
            <li class="card reshare" data-reshare-id="{reshare.Id}" data-recipient="{reshare.ShareWith}">
            <p class="title">{reshare.Name}</p>
            <p class="recipient">with {reshare.ShareWith}</p>
            <p><span class="state {css}" data-state="{reshare.State}">{label}</span> · {can} · owner {reshare.Owner}</p>
            {reason}
            <p class="actions-row">{undo}</p>
            </li>
            """);
    }

    private static Html ResharedCard(UiRequest ui, ShareView share) => Html.Of($"""
        <li class="card share" data-share-id="{share.Id}" data-recipient="{share.ShareWith}">
        <p class="title">{share.Name} <span class="muted">{share.Path}</span></p>
        <p class="recipient"><span class="reshared">{share.ResharedBy}</span> shared it with {share.ShareWith}</p>
        <p><span class="state" data-state="{share.State}">{share.State}</span> · {(share.Permissions.Contains(WebDavPermissions.Write) ? "can edit" : "can view")}</p>
        <p class="actions-row">{ui.ButtonForm(ui.Urls.Action($"reshares/shares/{share.Id}/revoke"), "Revoke", "danger revoke", $"Stop sharing “{share.Name}” with {share.ShareWith}?")}</p>
        </li>
        """);

    private static async Task<IResult> RequestAsync(
        HttpContext context, ReceivedShares received, Reshares reshares, OutgoingShares outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var shareWith = form["shareWith"].ToString().Trim();
        var share = long.TryParse(form["share"], out var id)
            ? (await received.ListAsync(ui.User.Id, ReceivedShareState.Accepted, cancellationToken)).SingleOrDefault(s => s.Id == id)
            : null;
        if (share?.Path is not { } path)
        {
            return ui.Redirect(ui.Urls.Action("reshares"), FlashKind.Error, "Choose an accepted share to share further.");
        }

        List<string> permissions = [WebDavPermissions.Read];
        if (form["write"] == "1")
        {
            permissions.Add(WebDavPermissions.Write);
        }

        var outcome = await outgoing.CreateAsync(ui.User.Id, new CreateShareRequest { Path = path, ShareWith = shareWith, Permissions = permissions }, cancellationToken);
        return outcome.Share is { } asked
            ? ui.Redirect(ui.Urls.Action("reshares"), FlashKind.Success, $"Asked {share.Owner}'s server to share “{share.Name}” with {asked.ShareWith}.")
            : await PageAsync(ui, received, reshares, outgoing, id, (shareWith, SharePages.InWords(outcome.Problem!.Detail)), outcome.Problem.Status, cancellationToken);
    }

    private static async Task<IResult> UndoAsync(long id, HttpContext context, Reshares reshares, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (view, problem) = await reshares.UndoAsync(ui.User.Id, id, cancellationToken);
        return view is not null
            ? ui.Redirect(ui.Urls.Action("reshares"), FlashKind.Success, $"“{view.Name}” is no longer shared with {view.ShareWith}; its owner's server was told.")
            : ui.Redirect(ui.Urls.Action("reshares"), FlashKind.Error, problem!.Detail);
    }

    private static async Task<IResult> RevokeAsync(long id, HttpContext context, OutgoingShares outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var revoked = await outgoing.RevokeAsync(ui.User.Id, id, cancellationToken);
        return revoked.Share is { } share
            ? ui.Redirect(ui.Urls.Action("reshares"), FlashKind.Success, $"No longer shared with {share.ShareWith}.")
            : ui.Redirect(ui.Urls.Action("reshares"), FlashKind.Error, revoked.Problem!.Detail);
    }
}
