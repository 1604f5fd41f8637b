using Ocm.Files;
using Ocm.RemoteShares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// <c>/ui/files/Shared with me/…</c>: the folder of accepted received shares in the file browser, as WebDAV clients see
/// it — same members, same names (<see cref="ReceivedShares"/> decides them, <see cref="SharedWithMeFolder"/> lists
/// them for both), so a path means the same here, over WebDAV and in the API. The folder itself is listed here; below it, a shared folder is browsed by
/// <see cref="ReceivedFolderPages"/> and a shared file downloaded, which its path redirects to.
/// </summary>
internal static partial class FilesPages
{
    /// <summary>Whether <paramref name="path"/> is the received shares' folder or lies in it (its name is reserved in the root).</summary>
    internal static bool IsInReceivedFolder(StoragePath path, string receivedFolder)
    {
        var slash = path.Value.IndexOf('/', StringComparison.Ordinal);
        return !path.IsRoot && string.Equals(slash < 0 ? path.Value : path.Value[..slash], receivedFolder, StringComparison.Ordinal);
    }

    /// <summary>Why nothing can be created at <paramref name="path"/>, or null when it can.</summary>
    internal static string? ReservedProblem(StoragePath path, string receivedFolder) =>
        IsInReceivedFolder(path, receivedFolder)
            ? $"“{receivedFolder}” holds what people on other servers share with you; nothing can be created or moved there."
            : null;

    private static async Task<IResult> SharedWithMeAsync(
        UiRequest ui, StoragePath path, SharedWithMeFolder folderOfShares, ReceivedShares received, string? sort, string? desc, CancellationToken cancellationToken)
    {
        var folder = StoragePath.Root.Append(received.FolderName)!.Value;
        if (path != folder)
        {
            return await MemberAsync(ui, path.Rebase(folder, StoragePath.Root), received, cancellationToken);
        }

        var user = ui.User;
        var entries = (await folderOfShares.EntriesAsync(user.Id, cancellationToken)).ToList();
        var waiting = await received.CountPendingAsync(user.Id, cancellationToken);
        var order = sort is "size" or "modified" ? sort : "name";
        var descending = desc == "1";
        Comparison<SharedWithMeEntry> byName = (a, b) => NameOrder.Compare(a.Name, b.Name);
        Comparison<SharedWithMeEntry> comparison = order switch
        {
            "size" => (a, b) => a.Size.CompareTo(b.Size) is var c && c != 0 ? c : byName(a, b),
            "modified" => (a, b) => a.Modified.CompareTo(b.Modified) is var c && c != 0 ? c : byName(a, b),
            _ => byName,
        };
        entries.Sort((a, b) => a.IsFolder != b.IsFolder ? (a.IsFolder ? -1 : 1) : descending ? comparison(b, a) : comparison(a, b));

        var manage = Html.Of($"<a href=\"{ui.Urls.Action("shared-with-me")}\" id=\"manage-received\">Shared with me</a>");
        var waitingText = waiting == 0 ? Html.Empty : Html.Of($" <strong id=\"waiting\">{waiting} waiting for you.</strong>");
        var listing = entries.Count == 0
            ? Html.Of($"<p class=\"empty\" id=\"empty\">You have not accepted anything shared with you yet. Shares from other servers wait for you on the {manage} page.</p>")
            : Html.Of($"""
                <table class="files" id="files-table">
                <caption class="visually-hidden">Shares you accepted, {entries.Count} items</caption>
                <thead><tr>{SortHeader(ui, folder, "name", "Name", order, descending)}{SortHeader(ui, folder, "size", "Size", order, descending)}{SortHeader(ui, folder, "modified", "Modified", order, descending)}</tr></thead>
                <tbody>
                {entries.Select(e => ReceivedShareRow(ui, e)).ToList()}
                </tbody>
                </table>
                """);
        var body = Html.Of($"""
            {Breadcrumbs(ui, path)}
            <p class="muted" id="received-intro">What people on other servers shared with you and you accepted. Each lives on its owner's server;
            sync clients see this folder too. New shares are accepted or declined on the {manage} page.{waitingText}</p>
            <div id="listing">
            {listing}
            </div>
            """);
        return ui.Page(received.FolderName, body, UiSection.Files);
    }

    /// <summary><c>/Shared with me/{name}/{below}</c>: the member's own pages, for the same path as over WebDAV.</summary>
    private static async Task<IResult> MemberAsync(UiRequest ui, StoragePath inFolder, ReceivedShares received, CancellationToken cancellationToken)
    {
        var slash = inFolder.Value.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? inFolder.Value : inFolder.Value[..slash];
        var share = (await received.FindMountedAsync(ui.User.Id, name, cancellationToken))?.Share;
        if (share is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"Nothing you accepted is called “{name}” in “{received.FolderName}”.", UiSection.Files);
        }

        var below = inFolder.Rebase(StoragePath.Root.Append(name)!.Value, StoragePath.Root);
        if (ReceivedFolderPages.IsFileShare(share))
        {
            return below.IsRoot
                ? UiRequest.Redirect(ui.Urls.Action($"received/{share.Id}/download"))
                : ui.Message(StatusCodes.Status404NotFound, "Not found", $"“{name}” is a file, not a folder.", UiSection.Files);
        }

        return UiRequest.Redirect(ui.Urls.ReceivedFolder(share.Id, below));
    }

    private static Html ReceivedShareRow(UiRequest ui, SharedWithMeEntry entry)
    {
        var share = entry.Share;
        var link = ReceivedFolderPages.IsFileShare(share)
            ? Html.Of($"<a class=\"file\" href=\"{ui.Urls.Action($"received/{share.Id}/download")}\" download=\"{share.Name}\">{entry.Name}</a>")
            : Html.Of($"<a class=\"folder\" href=\"{ui.Urls.ReceivedFolder(share.Id, StoragePath.Root)}\">{entry.Name}</a>");
        var from = share.SenderDisplayName ?? share.OwnerDisplayName;
        var sender = from is { Length: > 0 } ? Html.Of($"{from} <span class=\"address\">{share.Sender}</span>") : Html.Of($"<span class=\"address\">{share.Sender}</span>");
        var size = entry.IsFolder ? Html.Raw("<span class=\"muted\">—</span>") : Html.Of($"{UiFormat.Bytes(entry.Size)}");
        var open = ReceivedFolderPages.IsFileShare(share) && ViewableFiles.KindOf(share.Name, null) != ViewKind.None
            ? Html.Of($" <a href=\"{ui.Urls.ReceivedView(share.Id, StoragePath.Root)}\" aria-label=\"Open {entry.Name}\" class=\"open\">Open</a>")
            : Html.Empty;
        return Html.Of($"""
            <tr data-name="{entry.Name}" data-share-id="{share.Id}"><td class="name">{link}{open}<br><span class="muted from">from {sender}</span></td><td class="size">{size}</td><td class="modified">{UiFormat.Time(entry.Modified)}</td></tr>
            """);
    }

    /// <summary>The received shares' folder as a row of the root listing: opened like any folder, nothing else to do with it.</summary>
    private static Html ReceivedFolderRow(UiRequest ui, StoragePath path, FileNode node) => Html.Of($"""
        <tr data-name="{node.Name}" class="received-folder"><td class="name"><a class="folder" href="{ui.Urls.Folder(path)}">{node.Name}</a> <span class="badge">from other servers</span></td><td class="size"><span class="muted">—</span></td><td class="modified">{UiFormat.Time(node.Modified)}</td><td class="actions"></td></tr>
        """);
}
