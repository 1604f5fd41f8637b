using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Files;
using Ocm.Notifications;
using Ocm.RemoteShares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// What others offered the signed-in user: pending shares to accept or decline (those from senders who are not
/// contacts set apart and marked), accepted ones with their path (a file to download, a folder to open with
/// <see cref="ReceivedFolderPages"/>), and ended ones to clear away. Decisions go through
/// <see cref="ReceivedShareEndpoints"/>, which tells the sender's server.
/// </summary>
internal static class SharedWithMePages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/shared-with-me", ShowAsync);
        ui.MapPost("/received/{id:long}/accept", AcceptAsync);
        ui.MapPost("/received/{id:long}/decline", DeclineAsync);
        ui.MapPost("/received/{id:long}/leave", LeaveAsync);
        ui.MapGet("/received/{id:long}/download", DownloadAsync);
    }

    private static async Task<IResult> ShowAsync(HttpContext context, OcmDb db, SharesOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var shares = await db.Set<ReceivedShare>().AsNoTracking()
            .Where(s => s.RecipientUserId == ui.User.Id)
            .OrderByDescending(s => s.Id)
            .ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var pending = shares.Where(s => s.State == ReceivedShareState.Pending && !s.Quarantined).ToList();
        var unknown = shares.Where(s => s.State == ReceivedShareState.Pending && s.Quarantined).ToList();
        var accepted = shares.Where(s => s.State == ReceivedShareState.Accepted).ToList();
        var ended = shares.Where(s => s.State is ReceivedShareState.Declined or ReceivedShareState.Unshared).ToList();

        // Where each accepted share is in the user's files: the names WebDAV and the file browser give them.
        var names = SharedWithMeFolder.MountNames(accepted.Where(s => !s.IsExpired(now)));
        Html Card(ReceivedShare share, Html actions) => SharedWithMePages.Card(ui, share, options, names, now, actions);

        var unknownSection = unknown.Count == 0 ? Html.Empty : Html.Of($"""
            <section aria-labelledby="unknown-title" class="quarantine">
            <h2 id="unknown-title">From unknown senders ({unknown.Count})</h2>
            <p class="warning">These come from people who are not your contacts. Accept only what you expected.</p>
            {List(unknown, "unknown", "", s => Card(s, Pending(ui, s)))}
            </section>
            """);
        var endedSection = ended.Count == 0 ? Html.Empty : Html.Of($"""
            <section aria-labelledby="ended-title">
            <h2 id="ended-title">Declined or ended ({ended.Count})</h2>
            {List(ended, "ended", "", s => Card(s, ui.ButtonForm(ui.Urls.Action($"received/{s.Id}/leave"), "Remove", "secondary remove")))}
            </section>
            """);
        var body = Html.Of($"""
            <h1>Shared with me</h1>
            <section aria-labelledby="pending-title">
            <h2 id="pending-title">Waiting for you ({pending.Count})</h2>
            {List(pending, "pending", "No new shares.", s => Card(s, Pending(ui, s)))}
            </section>
            {unknownSection}
            <section aria-labelledby="accepted-title">
            <h2 id="accepted-title">Accepted ({accepted.Count})</h2>
            {List(accepted, "accepted", "You have not accepted any shares.", s => Card(s, AcceptedActions(ui, s)))}
            </section>
            {endedSection}
            """);
        return ui.Page("Shared with me", body, UiSection.SharedWithMe);
    }

    private static Html Pending(UiRequest ui, ReceivedShare share) => Html.Of(
        $"{ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/accept"), "Accept", "accept")} {ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/decline"), "Decline", "secondary decline")}");

    private static Html List(List<ReceivedShare> shares, string id, string empty, Func<ReceivedShare, Html> card) =>
        shares.Count == 0
            ? (empty.Length == 0 ? Html.Empty : Html.Of($"<p class=\"empty\" id=\"{id}-empty\">{empty}</p>"))
            : Html.Of($"<ul class=\"cards\" id=\"{id}\">{shares.Select(card)}</ul>");

    private static Html Card(UiRequest ui, ReceivedShare share, SharesOptions options, Dictionary<long, string> names, DateTimeOffset now, Html actions)
    {
        var view = ReceivedShareEndpoints.ToView(share, options);
        var from = share.SenderDisplayName ?? share.OwnerDisplayName;
        var sender = from is { Length: > 0 }
            ? Html.Of($"{from} <span class=\"muted\">{share.Sender}</span>")
            : Html.Of($"{share.Sender}");
        var owner = share.Owner != share.Sender ? Html.Of($"<dt>Owner</dt><dd>{share.OwnerDisplayName ?? share.Owner} <span class=\"muted\">{share.Owner}</span></dd>") : Html.Empty;
        var permissions = share.Permissions.HasFlag(SharePermissions.Write) ? "view and edit" : "view";
        var state = share.State switch
        {
            ReceivedShareState.Unshared => Html.Raw("<p class=\"state failed\">The owner ended this share.</p>"),
            ReceivedShareState.Declined => Html.Raw("<p class=\"state declined\">Declined</p>"),
            _ => Html.Empty,
        };
        var unknownMark = share.Quarantined ? Html.Raw(" <span class=\"badge warning\">unknown sender</span>") : Html.Empty;
        var path = share.State == ReceivedShareState.Accepted && names.TryGetValue(share.Id, out var name)
            ? Html.Of($"<dt>In your files</dt><dd><a href=\"{ui.Urls.Folder(StoragePath.Root.Append(options.ReceivedFolder)?.Append(name) ?? StoragePath.Root)}\" class=\"path\"><code>/{options.ReceivedFolder}/{name}</code></a></dd>")
            : Html.Empty;
        var expiry = share.Expiration is { } e ? Html.Of($"<dt>{(share.IsExpired(now) ? "Expired" : "Expires")}</dt><dd>{UiFormat.Time(e)}</dd>") : Html.Empty;
        return Html.Of($"""
            <li class="card received" data-share-id="{share.Id}" data-name="{share.Name}">
            <p class="title"><span class="{(view.ResourceType == "folder" ? "folder" : "file")}">{share.Name}</span>{unknownMark}</p>
            {state}
            <dl class="details compact">
            <dt>From</dt><dd>{sender}</dd>
            {owner}
            <dt>Server</dt><dd>{share.SenderHost}</dd>
            <dt>What</dt><dd>{(view.ResourceType == "folder" ? "a folder" : "a file")} you can {permissions}</dd>
            {path}
            {expiry}
            <dt>Received</dt><dd>{UiFormat.Time(share.Created)}</dd>
            </dl>
            <p class="actions-row">{actions}</p>
            </li>
            """);
    }

    private static Html AcceptedActions(UiRequest ui, ReceivedShare share)
    {
        var leave = ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/leave"), "Leave", "secondary leave", $"Leave “{share.Name}”? The owner is told.");
        return ReceivedFolderPages.IsFileShare(share)
            ? Html.Of($"""<a class="button download" href="{ui.Urls.Action($"received/{share.Id}/download")}" download="{share.Name}">Download</a> {leave}""")
            : Html.Of($"""<a class="button open" href="{ui.Urls.ReceivedFolder(share.Id, Files.StoragePath.Root)}">Open</a> {leave}""");
    }

    /// <summary>
    /// Downloads an accepted file share from the sender's server, streamed through this server with the share's
    /// credentials (<see cref="ReceivedFolderPages.DownloadAsync"/>). Always an attachment, never rendered in our origin.
    /// </summary>
    private static async Task<IResult> DownloadAsync(
        long id, HttpContext context, OcmDb db, RemoteShares.RemoteShareClient remote, TimeProvider time, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var share = await ReceivedFolderPages.FindAcceptedAsync(ui, db, id, time, cancellationToken);
        if (share is null || !ReceivedFolderPages.IsFileShare(share))
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", "You have no accepted file share with this number.", UiSection.SharedWithMe);
        }

        return await ReceivedFolderPages.DownloadAsync(ui, share, Files.StoragePath.Root, share.Name, remote, loggers.CreateLogger(typeof(SharedWithMePages)));
    }

    private static async Task<IResult> AcceptAsync(
        long id, HttpContext context, OcmDb db, Notifier notifier, SharedWithMeFolder received, SharesOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var result = await ReceivedShareEndpoints.AcceptAsync(id, context, db, notifier, options, time, cancellationToken);
        var name = result.Result is Ok<ReceivedShareView> ? await received.NameOfAsync(ui.User.Id, id, cancellationToken) : null;
        return result.Result switch
        {
            Ok<ReceivedShareView> ok => ui.Redirect(Back(ui), FlashKind.Success,
                $"Accepted “{ok.Value!.Name}”; it is in {(name is null ? ok.Value.Path : $"/{options.ReceivedFolder}/{name}")}."),
            ProblemHttpResult problem => ui.Redirect(Back(ui), FlashKind.Error, SharePages.ProblemText(problem)),
            _ => throw new InvalidOperationException("Unexpected result from accepting a share."),
        };
    }

    private static async Task<IResult> DeclineAsync(long id, HttpContext context, OcmDb db, Notifier notifier, SharesOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var result = await ReceivedShareEndpoints.DeclineAsync(id, context, db, notifier, options, time, cancellationToken);
        return result.Result switch
        {
            Ok<ReceivedShareView> ok => ui.Redirect(Back(ui), FlashKind.Success, $"Declined “{ok.Value!.Name}”."),
            ProblemHttpResult problem => ui.Redirect(Back(ui), FlashKind.Error, SharePages.ProblemText(problem)),
            _ => throw new InvalidOperationException("Unexpected result from declining a share."),
        };
    }

    private static async Task<IResult> LeaveAsync(long id, HttpContext context, OcmDb db, Notifier notifier, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var name = await db.Set<ReceivedShare>().AsNoTracking()
            .Where(s => s.Id == id && s.RecipientUserId == ui.User.Id)
            .Select(s => s.Name)
            .FirstOrDefaultAsync(cancellationToken);
        var result = await ReceivedShareEndpoints.LeaveAsync(id, context, db, notifier, cancellationToken);
        return result.Result switch
        {
            NoContent => ui.Redirect(Back(ui), FlashKind.Success, $"“{name}” removed."),
            ProblemHttpResult problem => ui.Redirect(Back(ui), FlashKind.Error, SharePages.ProblemText(problem)),
            _ => throw new InvalidOperationException("Unexpected result from leaving a share."),
        };
    }

    private static string Back(UiRequest ui) => ui.Urls.Action("shared-with-me");
}
