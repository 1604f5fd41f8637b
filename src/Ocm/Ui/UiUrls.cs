using Ocm.Files;
using Ocm.Hosting;
using Ocm.WebDav;

namespace Ocm.Ui;

/// <summary>
/// Every URL of the web interface, built in one place under the public base path (so a reverse proxy with a path
/// prefix works), and the reverse: the <see cref="StoragePath"/> in a page URL.
/// </summary>
internal sealed class UiUrls(string basePath)
{
    /// <summary>Where the interface is mounted (routes), relative to the server root.</summary>
    public const string Mount = "/ui";

    private static readonly object ItemKey = new();

    /// <summary>The interface's base path with a trailing slash, e.g. <c>/ui/</c> or <c>/prefix/ui/</c>.</summary>
    public string Base { get; } = basePath;

    public static UiUrls For(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var cached) && cached is UiUrls urls)
        {
            return urls;
        }

        urls = new UiUrls(context.RequestServices.GetRequiredService<OcmServerInfo>().Path(Mount.TrimStart('/') + "/"));
        context.Items[ItemKey] = urls;
        return urls;
    }

    public string Home => Base + "files/";

    public string Login(string? returnUrl = null) =>
        Base + "login" + (IsLocal(returnUrl) && returnUrl != Home ? "?returnUrl=" + Uri.EscapeDataString(returnUrl!) : "");

    public string Logout => Base + "logout";

    /// <summary>A folder's listing; <paramref name="sort"/> is name, size or modified.</summary>
    public string Folder(StoragePath folder, string? sort = null, bool descending = false)
    {
        var url = Base + "files/" + folder.ToUrlPath();
        if (sort is not null && (sort != "name" || descending))
        {
            url += "?sort=" + sort + (descending ? "&desc=1" : "");
        }

        return url;
    }

    /// <summary>Details and actions (rename, move, delete) of a file or folder.</summary>
    public string Item(StoragePath path) => Base + "item/" + path.ToUrlPath();

    public string Download(StoragePath path) => Base + "download/" + path.ToUrlPath();

    /// <summary>A file shown in the browser viewer (text, Markdown, image, PDF).</summary>
    public string View(StoragePath path) => Base + "view/" + path.ToUrlPath();

    /// <summary>An image or PDF's bytes for the viewer page, served inline with a pinned content type.</summary>
    public string Inline(StoragePath path) => Base + "inline/" + path.ToUrlPath();

    /// <summary>A text or Markdown file in the browser editor.</summary>
    public string Edit(StoragePath path) => Base + "edit/" + path.ToUrlPath();

    /// <summary>A file in an accepted received share (the root: a file share itself) in the browser viewer.</summary>
    public string ReceivedView(long shareId, StoragePath file) => Base + $"received/{shareId}/view/" + file.ToUrlPath();

    public string ReceivedInline(long shareId, StoragePath file) => Base + $"received/{shareId}/inline/" + file.ToUrlPath();

    public string ReceivedEdit(long shareId, StoragePath file) => Base + $"received/{shareId}/edit/" + file.ToUrlPath();

    public string Share(StoragePath path) => Base + "share/" + path.ToUrlPath();

    public string ConfirmDelete(StoragePath path) => Base + "delete/" + path.ToUrlPath();

    /// <summary>A folder inside an accepted received share (the root: the share itself), listed from the sender.</summary>
    public string ReceivedFolder(long shareId, StoragePath folder) => Base + $"received/{shareId}/folder/" + folder.ToUrlPath();

    /// <summary>A file inside an accepted received folder share, downloaded from the sender.</summary>
    public string ReceivedFile(long shareId, StoragePath file) => Base + $"received/{shareId}/file/" + file.ToUrlPath();

    /// <summary>Contacts and invites: create, accept and revoke invites, list and remove contacts.</summary>
    public string Contacts => Base + "contacts";

    public string Upload(StoragePath folder) => Base + "upload?dir=" + Uri.EscapeDataString("/" + folder.Value);

    /// <summary>A form target or page directly under the base, e.g. <c>Action("mkdir")</c>.</summary>
    public string Action(string relative) => Base + relative;

    public string Asset(string name, string version) => Base + "static/" + name + "?v=" + version;

    /// <summary>Only paths on this server may be redirected to after sign-in (no <c>//host</c>, no scheme).</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'))
        && !url.Any(char.IsControl);

    /// <summary>
    /// The storage path in the request URL after <c>{Mount}/{section}/</c>, decoded segment by segment from the raw
    /// request target (as WebDAV does), so an encoded <c>%2F</c> cannot split a name.
    /// </summary>
    public static PathError PathFromRequest(HttpContext context, string section, out StoragePath path)
    {
        var raw = DavLocations.RawTarget(context);
        var query = raw.IndexOfAny(['?', '#']);
        if (query >= 0)
        {
            raw = raw[..query];
        }

        var prefix = Mount + "/" + section;
        var start = raw.IndexOf(prefix, StringComparison.Ordinal);
        if (start != 0)
        {
            path = StoragePath.Root;
            return PathError.Malformed;
        }

        var rest = raw.AsSpan(start + prefix.Length);
        return StoragePath.TryParseUrl(rest, out path);
    }

    /// <summary>A path given in a form field or query (<c>/a/b</c>), or an error.</summary>
    public static PathError PathFromText(string? text, out StoragePath path) => StoragePath.TryParse(text, out path);

    /// <summary>The path as shown to people: <c>/</c> for the root, else <c>/a/b</c>.</summary>
    public static string Display(StoragePath path) => "/" + path.Value;
}
