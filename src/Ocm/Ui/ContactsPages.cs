using Ocm.Contacts;
using Ocm.Data;
using Ocm.Invites;

namespace Ocm.Ui;

/// <summary>
/// Contacts and invites: invite someone on another server (the invite string and link are shown once, on the response
/// to the POST, never stored or redirected with), accept someone else's invite, the address book with Remove, and the
/// invites this user created with their state and Revoke. Every rule belongs to the services behind
/// <c>/api/v1/invites</c> and <c>/api/v1/contacts</c> (<see cref="InviteRegistry"/>, <see cref="InviteAcceptor"/>,
/// <see cref="ContactBook"/>): the page turns form fields into their calls and their outcomes into messages.
/// </summary>
internal static class ContactsPages
{
    private const int MaxListed = 1000;

    /// <summary>Longest pasted text shown again in the field after a failed acceptance.</summary>
    private const int MaxEchoedInput = 2000;

    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/contacts", ShowAsync);
        ui.MapPost("/contacts/invites", CreateInviteAsync);
        ui.MapPost("/contacts/invites/{id:long}/revoke", RevokeInviteAsync);
        ui.MapPost("/contacts/accept", AcceptInviteAsync);
        ui.MapPost("/contacts/{id:long}/remove", RemoveContactAsync);
    }

    private static Task<IResult> ShowAsync(HttpContext context, ContactBook contacts, InviteRegistry invites, CancellationToken cancellationToken) =>
        PageAsync(UiRequest.For(context), contacts, invites, new PageState(), StatusCodes.Status200OK, cancellationToken);

    private static async Task<IResult> CreateInviteAsync(HttpContext context, ContactBook contacts, InviteRegistry invites, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var label = form["label"].ToString();
        if (InviteRegistry.LabelProblem(label) is { } problem)
        {
            return await PageAsync(ui, contacts, invites, new PageState(Error: "The invite was not created. " + problem), StatusCodes.Status400BadRequest, cancellationToken);
        }

        var (invite, token) = await invites.CreateAsync(ui.User.Id, label, cancellationToken);
        var created = new NewInvite(invite.Label, invites.InviteStringFor(token), invites.LinkFor(token).AbsoluteUri, invite.Expires);
        return await PageAsync(ui, contacts, invites, new PageState(Created: created), StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> RevokeInviteAsync(long id, HttpContext context, ContactBook contacts, InviteRegistry invites, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        if (!await invites.RevokeAsync(ui.User.Id, id, cancellationToken))
        {
            return await PageAsync(ui, contacts, invites, new PageState(Error: "That invite no longer exists: it was already revoked."), StatusCodes.Status404NotFound, cancellationToken);
        }

        return ui.Redirect(ui.Urls.Contacts, FlashKind.Success, "Invite revoked: its invite string and link no longer work.");
    }

    private static async Task<IResult> AcceptInviteAsync(
        HttpContext context, ContactBook contacts, InviteRegistry invites, InviteAcceptor acceptor, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var text = form["invite"].ToString().Trim();
        if (text.Length == 0)
        {
            return await PageAsync(ui, contacts, invites, new PageState(Error: "Paste the invite string (or the invite link) you were sent, then choose Accept invite."),
                StatusCodes.Status400BadRequest, cancellationToken);
        }

        var outcome = await acceptor.AcceptAsync(ui.User.Id, text, token: null, providerDomain: null, cancellationToken);
        if (!outcome.Succeeded)
        {
            var echoed = text.Length <= MaxEchoedInput ? text : null;
            return await PageAsync(ui, contacts, invites, new PageState(Error: $"{outcome.Title}. {outcome.Detail}", AcceptInput: echoed), outcome.Status, cancellationToken);
        }

        return ui.Redirect(ui.Urls.Contacts, FlashKind.Success,
            $"Invite accepted: {Who(outcome.Contact)} is now one of your contacts, and you are one of theirs.");
    }

    private static async Task<IResult> RemoveContactAsync(
        long id, HttpContext context, ContactBook contacts, InviteRegistry invites, OcmDb db, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var notify = form["notify"] == "1";
        var contact = await contacts.FindAsync(ui.User.Id, id, cancellationToken);
        if (contact is null)
        {
            return await PageAsync(ui, contacts, invites, new PageState(Error: "That contact is not in your contacts (any more)."), StatusCodes.Status404NotFound, cancellationToken);
        }

        // As DELETE /api/v1/contacts/{id}: silent unless asked; told, their server removes this user from their contacts.
        contacts.Remove(contact, notify ? ui.User.Name : null);
        await db.SaveChangesAsync(cancellationToken);
        return ui.Redirect(ui.Urls.Contacts, FlashKind.Success, notify
            ? $"{Who(contact)} removed from your contacts; their server is told, and removes you from theirs."
            : $"{Who(contact)} removed from your contacts.");
    }

    private static async Task<IResult> PageAsync(
        UiRequest ui, ContactBook contacts, InviteRegistry invites, PageState state, int statusCode, CancellationToken cancellationToken)
    {
        var user = ui.User;
        var people = await contacts.ListAsync(user.Id, search: null, MaxListed, cancellationToken);
        var sent = await invites.ListAsync(user.Id, cancellationToken);
        var open = sent.Count(i => invites.StateOf(i) == InviteState.Open);

        var error = state.Error is { } e ? Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"contacts-error\">{e}</p>") : Html.Empty;
        var inviteFields = Html.Of($"""
            <label for="invite-label">Who is it for? <span class="muted">(optional, only you see it)</span></label>
            <input id="invite-label" name="label" type="text" maxlength="{InviteConfiguration.MaxLabelLength}" autocomplete="off" placeholder="e.g. Bob from the lab">
            <button type="submit" id="create-invite">Create invite</button>
            """);
        var acceptFields = Html.Of($"""
            <label for="invite-input">Invite string or link</label>
            <input id="invite-input" name="invite" type="text" required autocomplete="off" autocapitalize="none" spellcheck="false"
              value="{state.AcceptInput ?? ""}" aria-describedby="invite-input-help">
            <p class="hint" id="invite-input-help">Someone on another server invited you? Paste what they sent. If you accept, their server learns your address and name, and you can share with each other.</p>
            <button type="submit" id="accept-invite">Accept invite</button>
            """);
        var contactList = people.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-contacts\">No contacts yet. Invite someone, or accept their invite.</p>")
            : Html.Of($"<ul class=\"cards grid\" id=\"contacts\">{people.Select(c => ContactCard(ui, c))}</ul>");
        var inviteList = sent.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-invites\">You have not created any invites.</p>")
            : Html.Of($"<ul class=\"cards grid\" id=\"invites\">{sent.Select(i => InviteCard(ui, i, invites.StateOf(i)))}</ul>");

        var body = Html.Of($"""
            <h1>Contacts</h1>
            {error}
            {Created(state.Created)}
            <p class="muted">People on other servers become your contacts when one of you accepts the other's invite; then their shares reach you directly.
            Your address: <code id="ocm-address">{user.Name}@{ui.Server.Authority}</code></p>
            <div class="columns">
            <section aria-labelledby="invite-title">
            <h2 id="invite-title">Invite someone</h2>
            {ui.Form(ui.Urls.Action("contacts/invites"), inviteFields, "stack", id: "invite-form")}
            </section>
            <section aria-labelledby="accept-title">
            <h2 id="accept-title">Accept an invite</h2>
            {ui.Form(ui.Urls.Action("contacts/accept"), acceptFields, "stack", id: "accept-form")}
            </section>
            </div>
            <section aria-labelledby="contacts-title">
            <h2 id="contacts-title">Your contacts ({people.Count})</h2>
            {contactList}
            </section>
            <section aria-labelledby="invites-title">
            <h2 id="invites-title">Your invites ({open} open)</h2>
            {inviteList}
            </section>
            """);
        return ui.Page("Contacts", body, UiSection.Contacts, statusCode);
    }

    /// <summary>The new invite's string and link, each selectable and with a Copy button (the script copies; without it, select).</summary>
    private static Html Created(NewInvite? invite)
    {
        if (invite is null)
        {
            return Html.Empty;
        }

        var forWhom = invite.Label is null ? "" : " for “" + invite.Label + "”";
        return Html.Of($"""
        <div class="card secret" role="status" id="new-invite">
        <p><strong>Invite created{forWhom}.</strong> Send one of these to the person you invite; they are shown only now.
        It can be accepted once, until {UiFormat.Time(invite.Expires)}.</p>
        <p class="copy-label">Invite string — they paste it into “Accept an invite” on their own server:</p>
        <p class="copy-row"><output id="invite-string" class="secret-value">{invite.InviteString}</output>
        <button type="button" class="secondary" data-copy="invite-string">Copy</button></p>
        <p class="copy-label">Invite link — they open it and choose their server:</p>
        <p class="copy-row"><output id="invite-link" class="secret-value">{invite.Link}</output>
        <button type="button" class="secondary" data-copy="invite-link">Copy</button></p>
        </div>
        """);
    }

    private static Html ContactCard(UiRequest ui, Contact contact)
    {
        var source = contact.Source switch
        {
            ContactSource.Invite => "invite",
            ContactSource.Share => "a share",
            _ => "added by you",
        };
        var remove = Html.Of($"""
            <p class="check"><input type="checkbox" id="notify-{contact.Id}" name="notify" value="1"> <label for="notify-{contact.Id}">Also remove me from their contacts</label></p>
            <button type="submit" class="danger small remove">Remove</button>
            """);
        var email = contact.Email.Length > 0 ? Html.Of($"<dt>E-mail</dt><dd>{contact.Email}</dd>") : Html.Empty;
        return Html.Of($"""
            <li class="card contact" data-contact-id="{contact.Id}" data-address="{contact.Address}">
            <p class="title">{(contact.Name.Length > 0 ? contact.Name : contact.Address)}</p>
            <dl class="details compact">
            <dt>OCM address</dt><dd><code class="address">{contact.Address}</code></dd>
            {email}
            <dt>Contact since</dt><dd>{UiFormat.Time(contact.Added)} <span class="muted">({source})</span></dd>
            </dl>
            {ui.Form(ui.Urls.Action($"contacts/{contact.Id}/remove"), remove, "remove-contact", $"Remove {Who(contact)} from your contacts?")}
            </li>
            """);
    }

    private static Html InviteCard(UiRequest ui, Invite invite, InviteState state)
    {
        var (stateClass, stateText) = state switch
        {
            InviteState.Open => ("delivered", "open"),
            InviteState.Accepted => ("accepted", "accepted"),
            _ => ("declined", "expired"),
        };
        var acceptedBy = invite.AcceptedBy is null ? Html.Empty : Html.Of($" by <code>{invite.AcceptedBy}</code>");
        var accepted = invite.Accepted is { } at
            ? Html.Of($"<dt>Accepted</dt><dd>{UiFormat.Time(at)}{acceptedBy}</dd>")
            : Html.Of($"<dt>{(state == InviteState.Expired ? "Expired" : "Expires")}</dt><dd>{UiFormat.Time(invite.Expires)}</dd>");
        var action = state == InviteState.Open
            ? ui.ButtonForm(ui.Urls.Action($"contacts/invites/{invite.Id}/revoke"), "Revoke", "danger small revoke",
                "Revoke this invite? Its invite string and link stop working.")
            : ui.ButtonForm(ui.Urls.Action($"contacts/invites/{invite.Id}/revoke"), "Remove from list", "secondary small revoke");
        return Html.Of($"""
            <li class="card invite" data-invite-id="{invite.Id}" data-label="{invite.Label ?? ""}" data-state="{stateText}">
            <p class="title">{invite.Label ?? "Invite"} <span class="state {stateClass}">{stateText}</span></p>
            <dl class="details compact">
            <dt>Created</dt><dd>{UiFormat.Time(invite.Created)}</dd>
            {accepted}
            </dl>
            <p class="actions-row">{action}</p>
            </li>
            """);
    }

    private static string Who(Contact contact) => contact.Name.Length > 0 ? $"{contact.Name} ({contact.Address})" : contact.Address;

    /// <summary>What a POST answered with the page itself (not a redirect) shows: the new invite, or an error with the pasted text.</summary>
    private sealed record PageState(NewInvite? Created = null, string? Error = null, string? AcceptInput = null);

    private sealed record NewInvite(string? Label, string InviteString, string Link, DateTimeOffset Expires);
}
