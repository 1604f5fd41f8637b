using Ocm.Protocol.Shares;

namespace Ocm.Shares;

/// <summary>
/// The web app a received share offers, as we keep it: read leniently from every form peers send (OCM
/// §Share Creation Notification › webapp), or ignored with the reason logged — the share itself still arrives over WebDAV.
/// <list type="bullet">
/// <item>1.4: absolute <c>uri</c>, <c>targets</c>, <c>permissions</c>, <c>requirements</c>, <c>sharedSecret</c> (already
/// validated by <see cref="ShareValidator"/>); used when its targets include <c>blank</c>, the one we present (a new
/// top-level page; our discovery's <c>webapp-receive.targets</c>).</item>
/// <item>≤1.3 (oCIS, older Reva/CERNBox): <c>uri</c> or 1.1's <c>uriTemplate</c> plus <c>viewMode</c>
/// (<c>view</c>|<c>read</c>|<c>write</c>). Used when the URI is absolute (a relative one names a place on the sender we
/// cannot know) and the view mode is one of those; the secret is the object's own, else the WebDAV one.</item>
/// </list>
/// Either way it is opened the 1.4 way (OCM §Resource Access step 6): the secret is exchanged for a token at the
/// sender's token endpoint and only the token goes to the browser, in a POSTed form — never the secret, never in a URI.
/// </summary>
internal sealed partial record IncomingWebApp(string Uri, string Secret, IReadOnlyList<string> Permissions)
{
    private static readonly HashSet<string> ViewModes = new(StringComparer.Ordinal) { WebAppPermissions.View, WebAppPermissions.Read, WebAppPermissions.Write };

    public static IncomingWebApp? Read(ShareProtocol protocol, WebDavProtocol webdav, ILogger logger)
    {
        if (protocol.WebApp is { } current)
        {
            if (current.Targets?.Contains(WebAppTargets.Blank) != true)
            {
                Log.Ignored(logger, "it offers only the targets " + string.Join(", ", current.Targets ?? []) + ", and we open web apps as a new page (blank)");
                return null;
            }

            return new IncomingWebApp(current.Uri!, current.SharedSecret!, current.Permissions ?? [WebAppPermissions.View]);
        }

        if (protocol.LegacyWebApp is not { } legacy)
        {
            return null;
        }

        // 1.1's template may name the resource inside a folder share; for the share itself that part is empty.
        var uri = (legacy.Uri ?? legacy.LegacyUriTemplate)?.Replace("{relative-path-to-shared-resource}", "", StringComparison.Ordinal);
        if (string.IsNullOrWhiteSpace(uri)
            || !System.Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
            || (parsed.Scheme != System.Uri.UriSchemeHttps && parsed.Scheme != System.Uri.UriSchemeHttp))
        {
            Log.Ignored(logger, "its uri is missing or not an absolute http(s) URL");
            return null;
        }

        if (legacy.LegacyViewMode is not { } viewMode || !ViewModes.Contains(viewMode))
        {
            Log.Ignored(logger, $"its viewMode '{legacy.LegacyViewMode}' is not view, read or write");
            return null;
        }

        return new IncomingWebApp(uri, string.IsNullOrEmpty(legacy.SharedSecret) ? webdav.SharedSecret : legacy.SharedSecret, [viewMode]);
    }

    private static partial class Log
    {
        [LoggerMessage(1340, LogLevel.Information, "Ignored the web app of an incoming share: {Reason}")]
        public static partial void Ignored(ILogger logger, string reason);
    }
}
