using Ocm.Files;
using Ocm.Protocol.Shares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// What others offered the signed-in user: pending shares to accept or decline (those from senders who are not
/// contacts set apart and marked), accepted ones with their path (a file to download, a folder to open with
/// <see cref="ReceivedFolderPages"/>), and ended ones to clear away. Lists and decisions go through
/// <see cref="ReceivedShares"/>, which decides where each share is mounted and tells the sender's server.
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
        ui.MapPost("/received/{id:long}/copy", CopyAsync);
    }

    private static async Task<IResult> ShowAsync(
        HttpContext context, ReceivedShares received, RemoteShares.ShareTransfers transfers, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var shares = await received.ListAsync(ui.User.Id, state: null, cancellationToken);
        shares.Reverse();
        var now = time.GetUtcNow();
        var pending = shares.Where(s => s.State == ReceivedShareStates.Pending && !s.Quarantined).ToList();
        var unknown = shares.Where(s => s.State == ReceivedShareStates.Pending && s.Quarantined).ToList();
        var accepted = shares.Where(s => s.State == ReceivedShareStates.Accepted).ToList();
        var ended = shares.Where(s => s.State is ReceivedShareStates.Declined or ReceivedShareStates.Unshared).ToList();
        Html Card(ReceivedShareView share, Html actions) => SharedWithMePages.Card(ui, share, now, actions);

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
        var copies = Transfers(await transfers.ListAsync(ui.User.Id, cancellationToken));
        var body = Html.Of($"""
            <h1>Shared with me</h1>
            <p class="muted"><a href="{ui.Urls.Action("reshares")}" id="reshares-link">Reshares</a>: what you shared further, and what others shared further of yours.</p>
            <section aria-labelledby="pending-title">
            <h2 id="pending-title">Waiting for you ({pending.Count})</h2>
            {List(pending, "pending", "No new shares.", s => Card(s, Pending(ui, s)))}
            </section>
            {unknownSection}
            <section aria-labelledby="accepted-title">
            <h2 id="accepted-title">Accepted ({accepted.Count})</h2>
            {List(accepted, "accepted", "You have not accepted any shares.", s => Card(s, AcceptedActions(ui, s)))}
            </section>
            {copies}
            {endedSection}
            """);
        return ui.Page("Shared with me", body, UiSection.SharedWithMe);
    }

    private static Html Pending(UiRequest ui, ReceivedShareView share) => Html.Of(
        $"{ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/accept"), "Accept", "accept")} {ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/decline"), "Decline", "secondary decline")}");

    private static Html List(List<ReceivedShareView> shares, string id, string empty, Func<ReceivedShareView, Html> card) =>
        shares.Count == 0
            ? (empty.Length == 0 ? Html.Empty : Html.Of($"<p class=\"empty\" id=\"{id}-empty\">{empty}</p>"))
            : Html.Of($"<ul class=\"cards\" id=\"{id}\">{shares.Select(card)}</ul>");

    private static Html Card(UiRequest ui, ReceivedShareView share, DateTimeOffset now, Html actions)
    {
        var from = share.SenderDisplayName ?? share.OwnerDisplayName;
        var sender = from is { Length: > 0 }
            ? Html.Of($"{from} <span class=\"muted\">{share.Sender}</span>")
            : Html.Of($"{share.Sender}");
        var owner = share.Owner != share.Sender ? Html.Of($"<dt>Owner</dt><dd>{share.OwnerDisplayName ?? share.Owner} <span class=\"muted\">{share.Owner}</span></dd>") : Html.Empty;
        var permissions = SharePermissionNames.Parse(share.Permissions).HasFlag(SharePermissions.Write) ? "view and edit" : "view";
        var state = share.State switch
        {
            ReceivedShareStates.Unshared => Html.Raw("<p class=\"state failed\">The owner ended this share.</p>"),
            ReceivedShareStates.Declined => Html.Raw("<p class=\"state declined\">Declined</p>"),
            _ => Html.Empty,
        };
        var unknownMark = share.Quarantined ? Html.Raw(" <span class=\"badge warning\">unknown sender</span>") : Html.Empty;

        // Where an accepted share is in the user's files: the path WebDAV serves it at, as the API reports it.
        var path = share.Path is { } mounted && StoragePath.TryParse(mounted, out var inFiles) == PathError.None
            ? Html.Of($"<dt>In your files</dt><dd><a href=\"{ui.Urls.Folder(inFiles)}\" class=\"path\"><code>{mounted}</code></a></dd>")
            : Html.Empty;
        DateTimeOffset? expires = share.Expiration is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        var expiry = expires is { } e ? Html.Of($"<dt>{(e <= now ? "Expired" : "Expires")}</dt><dd>{UiFormat.Time(e)}</dd>") : Html.Empty;
        return Html.Of($"""
            <li class="card received" data-share-id="{share.Id}" data-name="{share.Name}">
            <p class="title"><span class="{(share.ResourceType == "folder" ? "folder" : "file")}">{share.Name}</span>{unknownMark}</p>
            {state}
            <dl class="details compact">
            <dt>From</dt><dd>{sender}</dd>
            {owner}
            <dt>Server</dt><dd>{share.SenderServer}</dd>
            <dt>What</dt><dd>{(share.ResourceType == "folder" ? "a folder" : "a file")} you can {permissions}</dd>
            {path}
            {expiry}
            <dt>Received</dt><dd>{UiFormat.Time(share.Created)}</dd>
            </dl>
            <p class="actions-row">{actions}</p>
            </li>
            """);
    }

    private static Html AcceptedActions(UiRequest ui, ReceivedShareView share)
    {
        var leave = ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/leave"), "Leave", "secondary leave", $"Leave “{share.Name}”? The owner is told.");
        // Any share can be copied; one the sender offers for copying (OCM datatx) gets the button in front.
        var copy = ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/copy"), "Copy to my files", share.DataTransfer ? "copy" : "secondary copy");
        // A share with a web app opens in it (OCM §Resource Access step 6); the form makes our server exchange its token first.
        if (share.WebApp is not null)
        {
            leave = Html.Of($"{ui.ButtonForm(ui.Urls.Action($"received/{share.Id}/webapp"), "Open", "open-webapp")} {leave}");
        }

        return share.ResourceType == ResourceTypes.File
            ? Html.Of($"""<a class="button download" href="{ui.Urls.Action($"received/{share.Id}/download")}" download="{share.Name}">Download</a> {copy} {leave}""")
            : Html.Of($"""<a class="button open" href="{ui.Urls.ReceivedFolder(share.Id, Files.StoragePath.Root)}">Open</a> {copy} {leave}""");
    }

    /// <summary>
    /// Downloads an accepted file share from the sender's server, streamed through this server with the share's
    /// credentials (<see cref="ReceivedFolderPages.DownloadAsync"/>). Always an attachment, never rendered in our origin.
    /// </summary>
    private static async Task<IResult> DownloadAsync(
        long id, HttpContext context, ReceivedShares received, RemoteShares.RemoteShareClient remote, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var share = (await received.FindMountedAsync(ui.User.Id, id, cancellationToken))?.Share;
        if (share is null || !ReceivedFolderPages.IsFileShare(share))
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", "You have no accepted file share with this number.", UiSection.SharedWithMe);
        }

        return await ReceivedFolderPages.DownloadAsync(ui, share, Files.StoragePath.Root, share.Name, remote, loggers.CreateLogger(typeof(SharedWithMePages)));
    }

    private static async Task<IResult> AcceptAsync(long id, HttpContext context, ReceivedShares received, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var accepted = await received.AcceptAsync(ui.User, id, cancellationToken);
        return accepted.Share is { } share
            ? ui.Redirect(Back(ui), FlashKind.Success, share.Path is { } path ? $"Accepted “{share.Name}”; it is in {path}." : $"Accepted “{share.Name}”.")
            : ui.Redirect(Back(ui), FlashKind.Error, accepted.Problem!.Detail);
    }

    private static async Task<IResult> DeclineAsync(long id, HttpContext context, ReceivedShares received, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var declined = await received.DeclineAsync(ui.User, id, cancellationToken);
        return declined.Share is { } share
            ? ui.Redirect(Back(ui), FlashKind.Success, $"Declined “{share.Name}”.")
            : ui.Redirect(Back(ui), FlashKind.Error, declined.Problem!.Detail);
    }

    private static async Task<IResult> LeaveAsync(long id, HttpContext context, ReceivedShares received, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var left = await received.LeaveAsync(ui.User, id, cancellationToken);
        return left.Share is { } share
            ? ui.Redirect(Back(ui), FlashKind.Success, $"“{share.Name}” removed.")
            : ui.Redirect(Back(ui), FlashKind.Error, left.Problem!.Detail);
    }

    /// <summary>Queues a copy of the share into the user's files at <c>/{name}</c> (<see cref="RemoteShares.ShareTransfers"/>).</summary>
    private static async Task<IResult> CopyAsync(long id, HttpContext context, RemoteShares.ShareTransfers transfers, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var (view, problem) = await transfers.StartAsync(ui.User.Id, id, destination: null, cancellationToken);
        return view is not null
            ? ui.Redirect(Back(ui), FlashKind.Success, $"Copying “{view.ShareName}” to {view.Destination} in the background; its progress is shown below.")
            : ui.Redirect(Back(ui), FlashKind.Error, problem!.Detail);
    }

    private static Html Transfers(List<RemoteShares.ShareTransferView> transfers)
    {
        if (transfers.Count == 0)
        {
            return Html.Empty;
        }

        var items = Html.Raw(string.Concat(transfers.Take(20).Select(t =>
        {
            var percent = t.BytesTotal > 0 ? $"{100.0 * t.BytesDone / t.BytesTotal:0}%" : "";
            var state = t.State switch
            {
                "done" => $"done: {t.FilesDone} files, verified by {t.Verification ?? "nothing (empty)"}",
                "failed" => $"failed: {t.Error}",
                _ => $"copying {percent} ({t.FilesDone} of {t.FilesTotal} files)" + (t.Error is { } e ? $"; waiting to retry: {e}" : ""),
            };
            return Html.Of($"""<li class="transfer {t.State}"><strong>{t.ShareName}</strong> → {t.Destination}: {state}</li>""").ToString();
        })));
        return Html.Of($"""
            <section aria-labelledby="transfers-title">
            <h2 id="transfers-title">Copies to your files</h2>
            <ul class="transfers">{items}</ul>
            </section>
            """);
    }

    private static string Back(UiRequest ui) => ui.Urls.Action("shared-with-me");
}
