using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Discovery.Client;
using Ocm.Protocol.Invites;
using Ocm.Trust;
using Ocm.Ui;
using Ocm.Users;

namespace Ocm.Invites;

/// <summary>
/// The browser side of the invite flow (OCM §Invite Flow, the WAYF Page and <c>inviteAcceptDialog</c>), rendered in the web interface's layout:
/// <list type="bullet">
/// <item>the WAYF page <c>/ocm/wayf?token=…</c> on the inviter's server: the invitee picks their server from the
/// configured directory services or types it, and is redirected to that server's <c>inviteAcceptDialog</c> with
/// <c>token</c> and <c>providerDomain</c> (OCM §OCM API Discovery › Fields); it needs no account here;</item>
/// <item>our <c>inviteAcceptDialog</c>, <c>/ocm/accept-invite?token=…&amp;providerDomain=…</c>: behind the web
/// interface's session like every other page (a signed-out visitor goes to the sign-in page and comes back to this
/// URL, query included); the user confirms with a form carrying the interface's anti-forgery token, and the invite is
/// accepted as through <c>POST /api/v1/invites/accept</c>.</item>
/// </list>
/// </summary>
internal static class InvitePages
{
    public static IEndpointRouteBuilder MapInvitePages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + InvitePaths.Wayf, WayfAsync).ExcludeFromDescription();
        if (app.ServiceProvider.GetRequiredService<UiOptions>().Enabled)
        {
            app.MapGet("/" + InvitePaths.AcceptDialog, AcceptDialogAsync)
                .RequireAuthorization(UiSession.Policy).ExcludeFromDescription();
            app.MapPost("/" + InvitePaths.AcceptDialog, AcceptAsync)
                .RequireAuthorization(UiSession.Policy).AddEndpointFilter<CsrfFilter>().ExcludeFromDescription();
        }
        else
        {
            // Without the web interface there is no sign-in page to send a visitor to: say how to accept instead.
            app.MapGet("/" + InvitePaths.AcceptDialog, NoWebInterface).ExcludeFromDescription();
        }

        return app;
    }

    // ---- WAYF (inviter's server) ----

    private static async Task<IResult> WayfAsync(
        HttpContext context,
        string? token,
        string? provider,
        InviteRegistry registry,
        OcmDb db,
        DirectoryServiceClient directories,
        PeerClient peers,
        TrustPolicy trust,
        OcmServerInfo server,
        CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        if (string.IsNullOrEmpty(token))
        {
            return Message(ui, 400, "Invite link incomplete", "This link has no invite token. Ask the person who invited you for the whole link.");
        }

        var invite = await registry.FindAsync(token, cancellationToken);
        var state = invite is null ? InviteState.Expired : registry.StateOf(invite);
        if (invite is null || state != InviteState.Open)
        {
            return state == InviteState.Accepted
                ? Message(ui, 410, "Invite already used", "This invite was already accepted. An invite can be used only once; ask for a new one.")
                : Message(ui, 404, "Invite not valid", "This invite has expired or does not exist. Ask for a new one.");
        }

        var inviter = await db.Set<User>().AsNoTracking().FirstOrDefaultAsync(u => u.Id == invite.UserId, cancellationToken);
        if (inviter is null || inviter.Disabled)
        {
            return Message(ui, 404, "Invite not valid", "This invite has expired or does not exist. Ask for a new one.");
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
        var wayf = server.Path(InvitePaths.Wayf);
        var groups = new List<Html>();
        foreach (var listing in listings)
        {
            var servers = listing.Servers.Where(s => !OcmAddress.Create("x", s.Authority).IsAt(server.Authority)).ToList();
            if (servers.Count == 0)
            {
                continue;
            }

            var items = servers.Select(entry =>
            {
                var href = QueryHelpers.AddQueryString(wayf, new Dictionary<string, string?> { ["token"] = token, ["provider"] = entry.Url });
                return Html.Of($"""<li><a class="server" href="{href}" data-authority="{entry.Authority}">{entry.DisplayName} <span class="host">{entry.Authority}</span></a></li>""");
            });
            groups.Add(Html.Of($"<h3>{listing.Federation}</h3><ul class=\"servers\">{items.ToList()}</ul>"));
        }

        var errorHtml = error is null ? Html.Empty : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"error\">{error}</p>");
        var body = Html.Of($"""
            <div class="narrow">
            <h1 id="title">You are invited</h1>
            <p><strong>{inviter.DisplayName ?? inviter.Name}</strong> <span class="address">({inviterAddress.ToString()})</span> invites you to connect through Open Cloud Mesh,
            so that you can share files with each other between your servers.</p>
            {errorHtml}
            <h2>Where is your account?</h2>
            {groups}
            <form method="get" action="{wayf}" class="stack" id="wayf">
            <input type="hidden" name="token" value="{token}">
            <label for="provider">{(listings.Count > 0 ? "Not listed? Type your server" : "Your server")}</label>
            <input type="text" id="provider" name="provider" required autocomplete="url" autocapitalize="none" spellcheck="false" value="{provider}"
              placeholder="cloud.example.org" aria-describedby="provider-help">
            <p class="hint" id="provider-help">The name of your server (cloud.example.org) or your own address (you@cloud.example.org).</p>
            <button type="submit" id="continue">Continue</button>
            </form>
            <h2>Your server has no invite page?</h2>
            <p>Paste this invite string where your server accepts invites:</p>
            <p><code id="invite-string" class="token">{registry.InviteStringFor(token)}</code></p>
            </div>
            """);

        // The form goes to this page, which redirects to the invitee's server: form-action 'self' would block that hop.
        return ui.Page("You are invited", body, UiSection.None, status, formsMayRedirectAway: true);
    }

    /// <summary>Finds the invitee's server's <c>inviteAcceptDialog</c> and builds the redirect (or says why not).</summary>
    private static async Task<(Uri? Redirect, string? Error, int Status)> ResolveAcceptDialogAsync(
        string provider,
        string token,
        PeerClient peers,
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

        // inviteAcceptDialog is a path (OCM §OCM API Discovery › Fields); some servers publish an absolute URL. Only http(s) targets are followed.
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
        PeerClient peers,
        TrustPolicy trust,
        OcmServerInfo server,
        CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;
        if (!InviteInput.TryRead(null, token, providerDomain, out var inviteToken, out var inviterServer, out var error))
        {
            return Message(ui, 400, "Invite link incomplete", error);
        }

        if (OcmAddress.Create("x", inviterServer).IsAt(server.Authority))
        {
            return Message(ui, 400, "Invite from this server", "This invite was created on this server; it is meant for users of other servers.");
        }

        var policy = trust.EvaluatePeer(inviterServer);
        if (!policy.Allowed)
        {
            return Message(ui, 403, "Server not allowed", $"This server does not federate with {inviterServer}: {policy.Reason}");
        }

        string providerName;
        try
        {
            var inviter = await peers.DiscoverAsync(inviterServer, cancellationToken);
            providerName = inviter.Document.Provider ?? inviterServer;
        }
        catch (OcmDiscoveryException)
        {
            return Message(ui, 502, "Inviting server unreachable", $"{inviterServer} could not be reached as an Open Cloud Mesh server. Try again later.");
        }

        var email = await db.Set<User>().Where(u => u.Id == user.Id).Select(u => u.Email).FirstOrDefaultAsync(cancellationToken);
        var myAddress = OcmAddress.Create(user.Name, server.Authority).ToString();
        var fields = Html.Of($"""
            <input type="hidden" name="token" value="{inviteToken}">
            <input type="hidden" name="providerDomain" value="{inviterServer}">
            <p class="actions-row">
            <button type="submit" id="accept" name="decision" value="accept">Accept invite</button>
            <button type="submit" id="decline" name="decision" value="decline" class="secondary">Decline</button>
            </p>
            """);
        var body = Html.Of($"""
            <div class="narrow">
            <h1 id="title">Accept an invite</h1>
            <p>You are signed in as <strong>{user.DisplayName ?? user.Name}</strong> <span class="address">({myAddress})</span>.</p>
            <p>A user of <strong>{providerName}</strong> <span class="address">({inviterServer})</span> invited you to connect.
            If you accept, {inviterServer} learns your address <span class="address">{myAddress}</span>, your name{(string.IsNullOrEmpty(email) ? "" : " and your e-mail address")},
            and you can share files with each other.</p>
            {ui.Form(server.Path(InvitePaths.AcceptDialog), fields, id: "accept-form")}
            </div>
            """);
        return ui.Page("Accept an invite", body, UiSection.Contacts);
    }

    private static async Task<IResult> AcceptAsync(HttpContext context, InviteAcceptor acceptor, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var user = ui.User;

        // The anti-forgery filter has read and checked the form already.
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var token = form["token"].ToString();
        var providerDomain = form["providerDomain"].ToString();
        if (!InviteInput.TryRead(null, token, providerDomain, out var inviteToken, out var inviterServer, out var error))
        {
            return Message(ui, 400, "Invite incomplete", error);
        }

        if (form["decision"].ToString() == "decline")
        {
            return Message(ui, 200, "Invite not accepted", $"Nothing was sent to {inviterServer}. You can close this page.");
        }

        var outcome = await acceptor.AcceptAsync(user.Id, inviteToken, inviterServer, cancellationToken);
        if (!outcome.Succeeded)
        {
            return Message(ui, outcome.Status, outcome.Title, outcome.Detail, isError: true);
        }

        var contact = outcome.Contact;
        var body = Html.Of($"""
            <div class="narrow">
            <h1 id="title">Invite accepted</h1>
            <p class="flash ok" role="status" id="result">You and <strong>{(contact.Name.Length > 0 ? contact.Name : contact.Address)}</strong> <span class="address">({contact.Address})</span> are now contacts.</p>
            <p>You can now share with each other. <a href="{ui.Urls.Contacts}" id="to-contacts">Your contacts</a></p>
            </div>
            """);
        return ui.Page("Invite accepted", body, UiSection.Contacts);
    }

    private static IResult NoWebInterface(HttpContext context, string? token, string? providerDomain, OcmServerInfo server)
    {
        var ui = UiRequest.For(context);
        if (!InviteInput.TryRead(null, token, providerDomain, out var inviteToken, out var inviterServer, out var error))
        {
            return Message(ui, 400, "Invite link incomplete", error);
        }

        var invite = new InviteString(inviteToken, inviterServer).Encode();
        var body = Html.Of($"""
            <div class="narrow">
            <h1 id="title">Accept an invite</h1>
            <p id="result">This server's web interface is turned off, so invites are accepted on the command line:</p>
            <p><code class="token">ocm invite accept {invite} --server {server.PublicUrl.GetLeftPart(UriPartial.Path).TrimEnd('/')} --user YOUR-NAME</code></p>
            </div>
            """);
        return ui.Page("Accept an invite", body, UiSection.None);
    }

    private static IResult Message(UiRequest ui, int status, string title, string text, bool isError = false)
    {
        var css = isError || status >= 400 ? "flash error" : "flash ok";
        var body = Html.Of($"""
            <div class="narrow">
            <h1 id="title">{title}</h1>
            <p id="result" class="{css}">{text}</p>
            </div>
            """);
        return ui.Page(title, body, UiSection.None, status);
    }
}
