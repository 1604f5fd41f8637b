using Ocm.RequestShares;

namespace Ocm.Ui;

/// <summary>
/// Share requests (OCM 1.4 §Request for a Share) in the web interface: ask someone on another server for a file or
/// folder, see what became of the requests sent, and answer those of others — Accept (shares the path, by default the
/// one asked for, read-only or editable) or Dismiss. The rules are <see cref="OutgoingShareRequests"/>' and
/// <see cref="ShareRequestInbox"/>' (behind <c>/api/v1/share-requests</c> too); the page turns form fields into their
/// calls and their outcomes into messages, and a refused form is shown again as typed, with the reason.
/// </summary>
internal static class ShareRequestPages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/share-requests", ShowAsync);
        ui.MapPost("/share-requests/ask", AskAsync);
        ui.MapPost("/share-requests/{id:long}/accept", AcceptAsync);
        ui.MapPost("/share-requests/{id:long}/dismiss", DismissAsync);
    }

    private static Task<IResult> ShowAsync(HttpContext context, ShareRequestInbox inbox, OutgoingShareRequests outgoing, CancellationToken cancellationToken) =>
        PageAsync(UiRequest.For(context), inbox, outgoing, new PageState(), StatusCodes.Status200OK, cancellationToken);

    private static async Task<IResult> AskAsync(HttpContext context, ShareRequestInbox inbox, OutgoingShareRequests outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var owner = form["owner"].ToString().Trim();
        var resource = form["resource"].ToString().Trim();
        var sent = await outgoing.SendAsync(ui.User.Id, new SendShareRequestBody { Owner = owner, Resource = resource }, cancellationToken);
        if (sent.Problem is { } problem)
        {
            return await PageAsync(ui, inbox, outgoing, new PageState($"{problem.Title}. {problem.Detail}", owner, resource), problem.Status, cancellationToken);
        }

        return ui.Redirect(ui.Urls.Action("share-requests"), FlashKind.Success,
            $"Request sent: {sent.Request!.Owner} is asked to share “{sent.Request.Resource}” with you. Their share will appear under Shared with me.");
    }

    private static async Task<IResult> AcceptAsync(long id, HttpContext context, ShareRequestInbox inbox, OutgoingShareRequests outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var body = new AcceptShareRequestBody
        {
            Path = form["path"].ToString().Trim() is { Length: > 0 } path ? path : null,
            Permissions = form["write"] == "1" ? ["read", "write"] : ["read"],
        };
        var accepted = await inbox.AcceptAsync(ui.User.Id, id, body, cancellationToken);
        if (accepted.Problem is { } problem)
        {
            return await PageAsync(ui, inbox, outgoing, new PageState($"{problem.Title}. {problem.Detail}"), problem.Status, cancellationToken);
        }

        return ui.Redirect(ui.Urls.Action("share-requests"), FlashKind.Success,
            $"Shared with {accepted.Request!.Requester}. You find the share on the file's Share page, where you can change or revoke it.");
    }

    private static async Task<IResult> DismissAsync(long id, HttpContext context, ShareRequestInbox inbox, OutgoingShareRequests outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var dismissed = await inbox.DismissAsync(ui.User.Id, id, cancellationToken);
        if (dismissed.Problem is { } problem)
        {
            return await PageAsync(ui, inbox, outgoing, new PageState($"{problem.Title}. {problem.Detail}"), problem.Status, cancellationToken);
        }

        return ui.Redirect(ui.Urls.Action("share-requests"), FlashKind.Success, $"Request from {dismissed.Request!.Requester} dismissed.");
    }

    private static async Task<IResult> PageAsync(
        UiRequest ui, ShareRequestInbox inbox, OutgoingShareRequests outgoing, PageState state, int status, CancellationToken cancellationToken)
    {
        var user = ui.User;
        var asked = await inbox.ListAsync(user.Id, all: false, cancellationToken);
        var sent = await outgoing.ListAsync(user.Id, cancellationToken);

        var error = state.Error is { } e ? Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"requests-error\">{e}</p>") : Html.Empty;
        var askFields = Html.Of($"""
            <label for="request-owner">Who has it?</label>
            <input id="request-owner" name="owner" type="text" inputmode="email" autocomplete="off" autocapitalize="none" spellcheck="false"
              required placeholder="alice@cloud.example.org" aria-describedby="request-owner-help" value="{state.Owner ?? ""}">
            <p class="hint" id="request-owner-help">Their user name and their server, as in alice@cloud.example.org.</p>
            <label for="request-resource">What do you ask for?</label>
            <input id="request-resource" name="resource" type="text" required autocomplete="off" autocapitalize="none" spellcheck="false"
              maxlength="{ShareRequestConfiguration.MaxResourceLength}" placeholder="/Projects/report.md" aria-describedby="request-resource-help" value="{state.Resource ?? ""}">
            <p class="hint" id="request-resource-help">The path of the file or folder in their files, or a link they gave you.</p>
            <button type="submit" id="ask-for-share">Ask for a share</button>
            """);
        var inboxList = asked.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-requests\">Nobody has asked you for anything.</p>")
            : Html.Of($"<ul class=\"cards\" id=\"requests\">{asked.Select(r => RequestCard(ui, r))}</ul>");
        var sentList = sent.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-sent-requests\">You have not asked anyone yet.</p>")
            : Html.Of($"<ul class=\"cards\" id=\"sent-requests\">{sent.Select(SentCard)}</ul>");

        var body = Html.Of($"""
            <h1>Share requests</h1>
            {error}
            <p class="muted">Ask someone on another server to share a file or folder with you, and answer what others ask of you.
            Your address: <code>{user.Name}@{ui.Server.Authority}</code></p>
            <div class="columns">
            <section aria-labelledby="ask-title">
            <h2 id="ask-title">Ask for a share</h2>
            {ui.Form(ui.Urls.Action("share-requests/ask"), askFields, "stack", id: "ask-form")}
            </section>
            <section aria-labelledby="inbox-title">
            <h2 id="inbox-title">Asked of you ({asked.Count})</h2>
            {inboxList}
            </section>
            </div>
            <section aria-labelledby="sent-title">
            <h2 id="sent-title">You asked ({sent.Count})</h2>
            {sentList}
            </section>
            """);
        return ui.Page("Share requests", body, UiSection.Requests, status);
    }

    private static Html RequestCard(UiRequest ui, ShareRequestView request)
    {
        var id = request.Id;
        var acceptFields = Html.Of($"""
            <label for="path-{id}">Share this file or folder</label>
            <input id="path-{id}" name="path" type="text" autocomplete="off" autocapitalize="none" spellcheck="false" value="{request.Resource}">
            <p class="check"><input type="checkbox" id="write-{id}" name="write" value="1"> <label for="write-{id}">They can edit it</label></p>
            <button type="submit" class="accept">Accept</button>
            """);
        var from = request.FromContact ? Html.Of($"{request.Requester} <span class=\"muted\">(contact)</span>") : Html.Of($"{request.Requester}");
        var repeated = request.Count > 1 ? Html.Of($" <span class=\"muted\">(asked {request.Count} times)</span>") : Html.Empty;
        return Html.Of($"""
            <li class="card share-request" data-request-id="{id}" data-requester="{request.Requester}">
            <p class="title">{from}</p>
            <dl class="details compact">
            <dt>Asks for</dt><dd><code>{request.Resource}</code></dd>
            <dt>Received</dt><dd>{UiFormat.Time(request.Received)}{repeated}</dd>
            </dl>
            {ui.Form(ui.Urls.Action($"share-requests/{id}/accept"), acceptFields, "stack accept-request")}
            <p class="actions-row">{ui.ButtonForm(ui.Urls.Action($"share-requests/{id}/dismiss"), "Dismiss", "secondary small dismiss")}</p>
            </li>
            """);
    }

    private static Html SentCard(OutgoingShareRequestView request)
    {
        var stateClass = request.State switch
        {
            "fulfilled" => "accepted",
            "failed" => "failed",
            _ => "pending",
        };
        var reason = request.Reason is { } r ? Html.Of($"<dt>Why</dt><dd class=\"reason\">{r}</dd>") : Html.Empty;
        return Html.Of($"""
            <li class="card sent-request" data-request-id="{request.Id}" data-state="{request.State}">
            <p class="title">{request.Owner} <span class="state {stateClass}">{request.State}</span></p>
            <dl class="details compact">
            <dt>Asked for</dt><dd><code>{request.Resource}</code></dd>
            <dt>Sent</dt><dd>{UiFormat.Time(request.Created)}</dd>
            {reason}
            </dl>
            </li>
            """);
    }

    /// <summary>What a POST answered with the page itself shows: the error, and the ask form as typed.</summary>
    private sealed record PageState(string? Error = null, string? Owner = null, string? Resource = null);
}
