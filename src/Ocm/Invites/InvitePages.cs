using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery.Client;
using Ocm.Trust;
using Ocm.Users;
using static Ocm.Invites.HtmlPage;

namespace Ocm.Invites;

/// <summary>
/// The browser side of the invite flow (ocm-protocol.md §6.4), server-rendered and script-free:
/// <list type="bullet">
/// <item>the WAYF page <c>/ocm/wayf?token=…</c> on the inviter's server: the invitee picks their server from the
/// configured directory services or types it, and is redirected to that server's <c>inviteAcceptDialog</c> with
/// <c>token</c> and <c>providerDomain</c> (R34);</item>
/// <item>our <c>inviteAcceptDialog</c>, <c>/ocm/accept-invite?token=…&amp;providerDomain=…</c>: the signed-in user
/// (HTTP Basic) confirms with a form protected by an anti-forgery token, and the invite is accepted as through
/// <c>POST /api/v1/invites/accept</c>.</item>
/// </list>
/// </summary>
internal static partial class InvitePages
{
    private const string AcceptPurpose = "accept-invite";

    public static IEndpointRouteBuilder MapInvitePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + InvitePaths.Wayf, WayfAsync).ExcludeFromDescription();
        app.MapGet("/" + InvitePaths.AcceptDialog, AcceptDialogAsync)
            .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).ExcludeFromDescription();
        app.MapPost("/" + InvitePaths.AcceptDialog, AcceptAsync)
            .RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).ExcludeFromDescription();
        app.MapGet("/" + InvitePaths.Stylesheet, (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Text(HtmlPage.Stylesheet, "text/css; charset=utf-8");
        }).ExcludeFromDescription();
        return app;
    }

    // ---- WAYF (inviter's server) ----

    private static async Task<IResult> WayfAsync(
        string? token,
        string? provider,
        InviteRegistry registry,
        OcmDb db,
        DirectoryServiceClient directories,
        PeerDirectory peers,
        TrustPolicy trust,
        OcmServerInfo server,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token))
        {
            return Message(server, 400, "Invite link incomplete", "This link has no invite token. Ask the person who invited you for the whole link.");
        }

        var invite = await registry.FindAsync(token, cancellationToken);
        var state = invite is null ? InviteState.Expired : registry.StateOf(invite);
        if (invite is null || state != InviteState.Open)
        {
            return state == InviteState.Accepted
                ? Message(server, 410, "Invite already used", "This invite was already accepted. An invite can be used only once; ask for a new one.")
                : Message(server, 404, "Invite not valid", "This invite has expired or does not exist. Ask for a new one.");
        }

        var inviter = await db.Set<User>().AsNoTracking().FirstOrDefaultAsync(u => u.Id == invite.UserId, cancellationToken);
        if (inviter is null || inviter.Disabled)
        {
            return Message(server, 404, "Invite not valid", "This invite has expired or does not exist. Ask for a new one.");
        }

        string? error = null;
        var status = 200;
        if (!string.IsNullOrWhiteSpace(provider))
        {
            var (redirect, problem, problemStatus) = await ResolveAcceptDialogAsync(provider, token, peers, trust, server, cancellationToken);
            if (redirect is not null)
            {
                return Results.Redirect(redirect.AbsoluteUri);
            }

            error = problem;
            status = problemStatus;
        }

        var listings = await directories.GetListingsAsync(cancellationToken);
        var inviterAddress = OcmAddress.Create(inviter.Name, server.Authority);
        var page = new StringBuilder();
        page.Append(CultureInvariant($"""
            <h1 id="title">You are invited</h1>
            <p><strong>{H(inviter.DisplayName ?? inviter.Name)}</strong> ({H(inviterAddress.ToString())}) invites you to connect through Open Cloud Mesh,
            so that you can share files with each other between your servers.</p>
            """));
        if (error is not null)
        {
            page.Append(CultureInvariant($"""<p class="error" id="error">{H(error)}</p>"""));
        }

        page.Append("<h2>Where is your account?</h2>");
        var wayf = server.Path(InvitePaths.Wayf);
        foreach (var listing in listings)
        {
            var servers = listing.Servers.Where(s => !OcmAddress.Create("x", s.Authority).IsAt(server.Authority)).ToList();
            if (servers.Count == 0)
            {
                continue;
            }

            page.Append(CultureInvariant($"<h3>{H(listing.Federation)}</h3><ul class=\"servers\">"));
            foreach (var entry in servers)
            {
                var href = QueryHelpers.AddQueryString(wayf, new Dictionary<string, string?> { ["token"] = token, ["provider"] = entry.Url });
                page.Append(CultureInvariant(
                    $"""<li><a class="server" href="{H(href)}" data-authority="{H(entry.Authority)}">{H(entry.DisplayName)} <span class="host">{H(entry.Authority)}</span></a></li>"""));
            }

            page.Append("</ul>");
        }

        page.Append(CultureInvariant($"""
            <form method="get" action="{H(wayf)}">
            <input type="hidden" name="token" value="{H(token)}">
            <label for="provider">{(listings.Count > 0 ? "Not listed? Type your server" : "Your server")} (e.g. cloud.example.org) or your address (you@cloud.example.org):</label>
            <input type="text" id="provider" name="provider" required autocomplete="url" value="{H(provider)}">
            <button type="submit" id="continue">Continue</button>
            </form>
            <h2>Your server has no invite page?</h2>
            <p>Paste this invite string where your server accepts invites:</p>
            <p><code id="invite-string">{H(registry.InviteStringFor(token))}</code></p>
            """));
        return HtmlPage.Create(server, status, "You are invited", page.ToString(), restrictFormTargets: false);
    }

    /// <summary>Finds the invitee's server's <c>inviteAcceptDialog</c> and builds the redirect (or says why not).</summary>
    private static async Task<(Uri? Redirect, string? Error, int Status)> ResolveAcceptDialogAsync(
        string provider,
        string token,
        PeerDirectory peers,
        TrustPolicy trust,
        OcmServerInfo server,
        CancellationToken cancellationToken)
    {
        var text = provider.Trim();
        string? authority;
        if (!text.Contains("://", StringComparison.Ordinal) && OcmAddress.TryParse(text, out var address))
        {
            authority = address.Authority;
        }
        else if (!OcmAddress.TryNormalizeAuthority(text, out authority, out _))
        {
            return (null, $"'{text}' is not a server name. Type something like cloud.example.org.", 400);
        }

        if (OcmAddress.Create("x", authority).IsAt(server.Authority))
        {
            return (null, "That is the server of the person who invited you. Choose the server where your own account is.", 400);
        }

        var policy = trust.EvaluatePeer(authority);
        if (!policy.Allowed)
        {
            return (null, $"This server does not federate with {authority}, so the invite cannot be accepted there.", 403);
        }

        DiscoveredServer invitee;
        try
        {
            invitee = await peers.DiscoverAsync(authority, cancellationToken);
        }
        catch (OcmDiscoveryException)
        {
            return (null, $"{authority} could not be reached as an Open Cloud Mesh server. Check the name, or use the invite string below.", 502);
        }

        var dialog = invitee.Document.InviteAcceptDialog;
        if (string.IsNullOrWhiteSpace(dialog))
        {
            return (null, $"{authority} offers no page to accept invites. Paste the invite string below into your server instead.", 422);
        }

        // inviteAcceptDialog is a path (§3.2); some servers publish an absolute URL. Only http(s) targets are followed.
        var origin = new Uri(invitee.DocumentUrl.GetLeftPart(UriPartial.Authority) + "/");
        if (!Uri.TryCreate(origin, dialog.Trim(), out var target) || (target.Scheme != Uri.UriSchemeHttps && target.Scheme != Uri.UriSchemeHttp))
        {
            return (null, $"{authority} publishes an unusable invite page address.", 502);
        }

        var url = QueryHelpers.AddQueryString(target.AbsoluteUri, new Dictionary<string, string?>
        {
            ["token"] = token,
            ["providerDomain"] = server.Authority,
        });
        return (new Uri(url), null, 200);
    }

    // ---- inviteAcceptDialog (invitee's server) ----

    private static async Task<IResult> AcceptDialogAsync(
        HttpContext context,
        string? token,
        string? providerDomain,
        OcmDb db,
        PeerDirectory peers,
        TrustPolicy trust,
        FormProtection forms,
        OcmServerInfo server,
        CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        if (!InviteInput.TryRead(null, token, providerDomain, out var inviteToken, out var inviterServer, out var error))
        {
            return Message(server, 400, "Invite link incomplete", error);
        }

        if (OcmAddress.Create("x", inviterServer).IsAt(server.Authority))
        {
            return Message(server, 400, "Invite from this server", "This invite was created on this server; it is meant for users of other servers.");
        }

        var policy = trust.EvaluatePeer(inviterServer);
        if (!policy.Allowed)
        {
            return Message(server, 403, "Server not allowed", $"This server does not federate with {inviterServer}: {policy.Reason}");
        }

        string providerName;
        try
        {
            var inviter = await peers.DiscoverAsync(inviterServer, cancellationToken);
            providerName = inviter.Document.Provider ?? inviterServer;
        }
        catch (OcmDiscoveryException)
        {
            return Message(server, 502, "Inviting server unreachable", $"{inviterServer} could not be reached as an Open Cloud Mesh server. Try again later.");
        }

        var email = await db.Set<User>().Where(u => u.Id == user.Id).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
        var myAddress = OcmAddress.Create(user.Name, server.Authority);
        var csrf = forms.Issue(user.Id, AcceptPurpose, inviteToken, inviterServer);
        var body = CultureInvariant($"""
            <h1 id="title">Accept an invite</h1>
            <p>You are signed in as <strong>{H(user.DisplayName ?? user.Name)}</strong> ({H(myAddress.ToString())}).</p>
            <p>A user of <strong>{H(providerName)}</strong> ({H(inviterServer)}) invited you to connect.
            If you accept, {H(inviterServer)} learns your address {H(myAddress.ToString())}, your name{(string.IsNullOrEmpty(email) ? "" : " and your e-mail address")},
            and you can share files with each other.</p>
            <form method="post" action="{H(server.Path(InvitePaths.AcceptDialog))}">
            <input type="hidden" name="token" value="{H(inviteToken)}">
            <input type="hidden" name="providerDomain" value="{H(inviterServer)}">
            <input type="hidden" name="csrf" value="{H(csrf)}">
            <button type="submit" id="accept" name="decision" value="accept">Accept invite</button>
            <button type="submit" id="decline" name="decision" value="decline" class="secondary">Decline</button>
            </form>
            """);
        return HtmlPage.Create(server, 200, "Accept an invite", body);
    }

    private static async Task<IResult> AcceptAsync(
        HttpContext context,
        InviteAcceptor acceptor,
        FormProtection forms,
        OcmServerInfo server,
        ILogger<InviteAcceptor> logger,
        CancellationToken cancellationToken)
    {
        var user = context.GetSignedInUser();
        if (!context.Request.HasFormContentType)
        {
            return Message(server, 415, "Not a form", "This page accepts only its own form.");
        }

        // Defence in depth next to the token: a browser names the page a form was sent from.
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, server.PublicUrl.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase))
        {
            Log.ForeignOrigin(logger, origin);
            return Message(server, 403, "Form from another site", "This form was sent from another site. Open the invite link again.");
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var token = form["token"].ToString();
        var providerDomain = form["providerDomain"].ToString();
        if (!InviteInput.TryRead(null, token, providerDomain, out var inviteToken, out var inviterServer, out var error))
        {
            return Message(server, 400, "Invite incomplete", error);
        }

        if (!forms.Validate(form["csrf"].ToString(), user.Id, AcceptPurpose, inviteToken, inviterServer))
        {
            Log.BadFormToken(logger, user.Id);
            return Message(server, 403, "Form expired", "This form has expired or was not issued to you. Open the invite link again.");
        }

        if (form["decision"].ToString() == "decline")
        {
            return Message(server, 200, "Invite not accepted", $"Nothing was sent to {inviterServer}. You can close this page.");
        }

        var outcome = await acceptor.AcceptAsync(user.Id, inviteToken, inviterServer, cancellationToken);
        if (!outcome.Succeeded)
        {
            return Message(server, outcome.Status, outcome.Title, outcome.Detail, isError: true);
        }

        var contact = outcome.Contact;
        var body = CultureInvariant($"""
            <h1 id="title">Invite accepted</h1>
            <p class="ok" id="result">You and <strong>{H(contact.Name.Length > 0 ? contact.Name : contact.Address)}</strong> ({H(contact.Address)}) are now contacts.</p>
            <p>You can now share with each other.</p>
            """);
        return HtmlPage.Create(server, 200, "Invite accepted", body);
    }

    private static HtmlPage Message(OcmServerInfo server, int status, string title, string text, bool isError = false) =>
        HtmlPage.Create(server, status, title, CultureInvariant($"""
            <h1 id="title">{H(title)}</h1>
            <p id="result"{(isError || status >= 400 ? " class=\"error\"" : "")}>{H(text)}</p>
            """));

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Accept-invite form from foreign origin {Origin} refused")]
        public static partial void ForeignOrigin(ILogger logger, string origin);

        [LoggerMessage(2, LogLevel.Warning, "Accept-invite form with an invalid anti-forgery token from user {UserId} refused")]
        public static partial void BadFormToken(ILogger logger, long userId);
    }
}
