using System.Globalization;
using Ocm.Files;
using Ocm.Protocol.Shares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// The share dialog of a file or folder: share it with someone on another server (OCM address, permissions, expiry),
/// see each share's delivery state, change or revoke it. Every rule (address, trust, discovery, what the peer can
/// receive, duplicates, the outbox, notifying the recipient's server) is <see cref="OutgoingShares"/>' — the page only
/// turns form fields into its requests and its outcomes into messages. A share that cannot be made shows the form
/// again as it was typed, with the reason next to the field it concerns, in words (never the API's field names).
/// </summary>
internal static partial class SharePages
{
    /// <summary>What was typed into the share form, and why it could not become a share.</summary>
    private sealed record TypedShare(string ShareWith, bool Write, bool Reshare, string Expires, string Error, string? Field, bool Mfa);

    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/share/{**path}", ShowAsync);
        ui.MapPost("/shares", CreateAsync);
        ui.MapPost("/shares/{id:long}", UpdateAsync);
        ui.MapPost("/shares/{id:long}/revoke", RevokeAsync);
    }

    private static Task<IResult> ShowAsync(HttpContext context, FileTree files, OutgoingShares outgoing, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        return UiUrls.PathFromRequest(context, "share", out var path) != PathError.None || path.IsRoot
            ? Task.FromResult(ui.Message(StatusCodes.Status400BadRequest, "Nothing to share", "Choose a file or folder to share.", UiSection.Files))
            : PageAsync(ui, path, files, outgoing, time, typed: null, StatusCodes.Status200OK, cancellationToken);
    }

    private static async Task<IResult> PageAsync(
        UiRequest ui, StoragePath path, FileTree files, OutgoingShares outgoing, TimeProvider time, TypedShare? typed, int status,
        CancellationToken cancellationToken)
    {
        var user = ui.User;
        var node = await files.FindAsync(user.Id, path, cancellationToken);
        if (node is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", $"There is no file or folder {UiUrls.Display(path)}.", UiSection.Files);
        }

        var shares = await outgoing.ListAsync(user.Id, node.Id, cancellationToken);

        // Suggestions for the address field: people this user shared with before.
        var previous = await outgoing.RecipientsAsync(user.Id, limit: 500, cancellationToken);

        var tomorrow = UiFormat.Date(time.GetUtcNow().AddDays(1));
        var suggestions = Html.Join(previous.Select(a => Html.Of($"<option value=\"{a}\">")));
        var error = typed is null ? Html.Empty : Html.Of($"<p class=\"flash error\" role=\"alert\" id=\"share-error\">{typed.Error}</p>");
        var fields = Html.Of($"""
            <input type="hidden" name="path" value="{UiUrls.Display(path)}">
            {error}
            <label for="share-with">The recipient's address</label>
            <input id="share-with" name="shareWith" type="text" inputmode="email" autocomplete="off" autocapitalize="none" spellcheck="false"
              required list="recipients" placeholder="bob@cloud.example.org" aria-describedby="{(typed?.Field == "share-with" ? "share-with-help share-error" : "share-with-help")}"{Invalid(typed, "share-with")} value="{typed?.ShareWith}">
            <datalist id="recipients">{suggestions}</datalist>
            <p class="hint" id="share-with-help">Their user name and their server, like an e-mail address: bob@cloud.example.org.</p>
            <fieldset>
            <legend>They can</legend>
            <p class="check"><input type="checkbox" id="perm-read" checked disabled> <label for="perm-read">View and download</label></p>
            <p class="check"><input type="checkbox" id="perm-write" name="write" value="1"{Checked(typed?.Write == true)}> <label for="perm-write">Edit{(node.IsFolder ? ", add and delete" : "")}</label></p>
            <p class="check"><input type="checkbox" id="perm-share" name="reshare" value="1"{Checked(typed?.Reshare == true)}> <label for="perm-share">Share it further</label></p>
            </fieldset>
            {MfaChoice(ui, typed)}
            <label for="expires">Expires after (optional)</label>
            <input id="expires" name="expires" type="date" min="{tomorrow}" value="{typed?.Expires}"{Invalid(typed, "expires")}{(typed?.Field == "expires" ? Html.Raw(" aria-describedby=\"share-error\"") : Html.Empty)}>
            <button type="submit" id="create-share">Share</button>
            """);

        var now = time.GetUtcNow();
        var list = shares.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-shares\">Not shared with anyone yet.</p>")
            : Html.Of($"<ul class=\"cards\" id=\"shares\">{shares.Select(s => ShareCard(ui, s, path, tomorrow, now))}</ul>");

        var body = Html.Of($"""
            <nav class="breadcrumbs" aria-label="Back"><ol><li><a href="{ui.Urls.Folder(path.Parent)}">{(path.Parent.IsRoot ? "Files" : path.Parent.Name)}</a></li></ol></nav>
            <h1>Share “{node.Name}”</h1>
            <p class="muted">{(node.IsFolder ? "Folder" : "File")} {UiUrls.Display(path)} · {UiFormat.Bytes(node.Size)}</p>
            <div class="columns">
            <section aria-labelledby="new-share-title">
            <h2 id="new-share-title">Share with someone on another server</h2>
            {ui.Form(ui.Urls.Action("shares"), fields, "stack", id: "share-form")}
            </section>
            <section aria-labelledby="shares-title">
            <h2 id="shares-title">Shared with ({shares.Count})</h2>
            {list}
            </section>
            </div>
            """);
        return ui.Page("Share " + node.Name, body, UiSection.Files, status);
    }

    /// <summary>Marks the field an error is about for assistive technology.</summary>
    private static Html Invalid(TypedShare? typed, string field) => typed?.Field == field ? Html.Raw(" aria-invalid=\"true\"") : Html.Empty;

    private static Html ShareCard(UiRequest ui, ShareView share, StoragePath path, string tomorrow, DateTimeOffset now)
    {
        var state = share.State;
        var stateClass = state switch
        {
            ShareStates.PendingDelivery => "pending",
            ShareStates.Delivered => "delivered",
            ShareStates.Accepted => "accepted",
            ShareStates.Declined => "declined",
            _ => "failed",
        };
        DateTimeOffset? expires = share.Expiration is { } seconds ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
        var expiry = expires is { } expiration
            ? Html.Of($" · {(expiration <= now ? "expired" : "expires")} {UiFormat.Time(expiration)}")
            : Html.Empty;
        var who = share.RecipientDisplayName is { Length: > 0 } display ? Html.Of($"{display} <span class=\"muted\">{share.ShareWith}</span>") : Html.Of($"{share.ShareWith}");
        var granted = SharePermissionNames.Parse(share.Permissions);
        var permissions = granted.HasFlag(SharePermissions.Write) ? "can edit" : "can view";
        if (granted.HasFlag(SharePermissions.Share))
        {
            permissions += ", can share";
        }

        if (share.MustUseMfa)
        {
            permissions += ", two-factor sign-in required";
        }

        var reshared = share.ResharedBy is { } resharer ? Html.Of($" · <span class=\"reshared\">reshared by {resharer}</span>") : Html.Empty;

        var expiresValue = expires is { } e ? UiFormat.Date(e.AddSeconds(-1)) : "";
        var change = Html.Of($"""
            <input type="hidden" name="path" value="{UiUrls.Display(path)}">
            <p class="check"><input type="checkbox" id="write-{share.Id}" name="write" value="1"{Checked(granted.HasFlag(SharePermissions.Write))}> <label for="write-{share.Id}">Can edit</label></p>
            <p class="check"><input type="checkbox" id="reshare-{share.Id}" name="reshare" value="1"{Checked(granted.HasFlag(SharePermissions.Share))}> <label for="reshare-{share.Id}">Can share further</label></p>
            <label for="expires-{share.Id}">Expires after</label>
            <input id="expires-{share.Id}" name="expires" type="date" min="{tomorrow}" value="{expiresValue}">
            <button type="submit" class="secondary">Save changes</button>
            """);
        return Html.Of($"""
            <li class="card share" data-share-id="{share.Id}" data-recipient="{share.ShareWith}">
            <p class="recipient">{who}</p>
            <p><span class="state {stateClass}" data-state="{state}">{state}</span> · {permissions}{expiry}{reshared}</p>
            {DeliveryNote(share)}
            <details>
            <summary>Change</summary>
            {ui.Form(ui.Urls.Action($"shares/{share.Id}"), change, "stack")}
            </details>
            {ui.ButtonForm(ui.Urls.Action($"shares/{share.Id}/revoke"), "Revoke", "danger revoke", $"Stop sharing with {share.ShareWith}?", ("path", UiUrls.Display(path)))}
            </li>
            """);
    }

    private static Html Checked(bool value) => value ? Html.Raw(" checked") : Html.Empty;

    /// <summary>Why a share has not arrived yet, and when it is tried again.</summary>
    private static Html DeliveryNote(ShareView share) =>
        share.LastError is { } error && share.NextAttemptAt is { } next
            ? Html.Of($"<p class=\"hint delivery\">Not delivered yet: {error.TrimEnd('.')}. Next attempt {UiFormat.Time(next)} (sooner once their server answers).</p>")
            : Html.Empty;

    /// <summary>The <c>must-use-mfa</c> choice (OCM Appendix A); fixed on when the server requires it of every share.</summary>
    private static Html MfaChoice(UiRequest ui, TypedShare? typed) =>
        ui.Http.RequestServices.GetRequiredService<SharesOptions>().RequireMfa
            ? Html.Raw("<p class=\"check\"><input type=\"checkbox\" id=\"must-use-mfa\" checked disabled> <label for=\"must-use-mfa\">Only if they signed in with two-factor authentication (required for every share on this server)</label></p>")
            : Html.Of($"""
                <p class="check"><input type="checkbox" id="must-use-mfa" name="mfa" value="1"{Checked(typed?.Mfa == true)} aria-describedby="must-use-mfa-help"> <label for="must-use-mfa">Only if they signed in with two-factor authentication</label></p>
                <p class="hint" id="must-use-mfa-help">Their server must promise to check this (it advertises enforce-mfa); other servers cannot receive the share.</p>
                """);

    private static async Task<IResult> CreateAsync(
        HttpContext context, FileTree files, OutgoingShares outgoing, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        if (UiUrls.PathFromText(form["path"], out var path) != PathError.None || path.IsRoot)
        {
            return UiRequest.Redirect(ui.Urls.Home);
        }

        TypedShare Typed(string error, string? field) =>
            new(form["shareWith"].ToString(), form["write"] == "1", form["reshare"] == "1", form["expires"].ToString(), error, field, form["mfa"] == "1");
        if (!TryReadExpiry(form["expires"], time, out var expiration, out var expiryError))
        {
            return await PageAsync(ui, path, files, outgoing, time, Typed(expiryError, "expires"), StatusCodes.Status400BadRequest, cancellationToken);
        }

        var request = new CreateShareRequest
        {
            Path = UiUrls.Display(path),
            ShareWith = form["shareWith"].ToString().Trim(),
            Permissions = Permissions(form),
            Expiration = expiration,
            MustUseMfa = form["mfa"] == "1",
        };
        var created = await outgoing.CreateAsync(ui.User.Id, request, cancellationToken);
        if (created.Share is { } share)
        {
            return ui.Redirect(ui.Urls.Share(path), FlashKind.Success, CreatedText(share));
        }

        var problem = created.Problem!;
        var typed = problem.Existing is { } existing
            ? Typed($"Already shared with {existing.ShareWith}: change that share below instead of sharing again.", "share-with")
            : Typed(InWords(problem.Detail), FieldOf(problem.Title + " " + problem.Detail));
        return await PageAsync(ui, path, files, outgoing, time, typed, problem.Status, cancellationToken);
    }

    /// <summary>What the owner is told after sharing: the normalised address (and what was typed), and whether it is on its way.</summary>
    private static string CreatedText(ShareView share)
    {
        if (share.ReshareRequest)
        {
            return $"Asked the owner's server to share it with {share.ShareWith}: only the owner can share what was shared with you.";
        }

        var typed = share.NormalizedFrom is { } from ? $" (you typed “{from}”)" : "";
        return share.LastError is null
            ? $"Shared with {share.ShareWith}{typed}; delivering to their server."
            : $"Shared with {share.ShareWith}{typed}, but their server cannot be reached right now: it is tried again automatically.";
    }

    private static async Task<IResult> UpdateAsync(long id, HttpContext context, OutgoingShares outgoing, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var back = UiUrls.PathFromText(form["path"], out var path) == PathError.None && !path.IsRoot ? ui.Urls.Share(path) : ui.Urls.Home;
        if (!TryReadExpiry(form["expires"], time, out var expiration, out var expiryError))
        {
            return ui.Redirect(back, FlashKind.Error, expiryError);
        }

        var request = new UpdateShareRequest { Permissions = Permissions(form), Expiration = expiration ?? 0 };
        var updated = await outgoing.UpdateAsync(ui.User.Id, id, request, cancellationToken);
        return updated.Share is { } share
            ? ui.Redirect(back, FlashKind.Success, $"Share with {share.ShareWith} changed.")
            : ui.Redirect(back, FlashKind.Error, updated.Problem!.Detail);
    }

    private static async Task<IResult> RevokeAsync(long id, HttpContext context, OutgoingShares outgoing, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var back = UiUrls.PathFromText(form["path"], out var path) == PathError.None && !path.IsRoot ? ui.Urls.Share(path) : ui.Urls.Home;
        var revoked = await outgoing.RevokeAsync(ui.User.Id, id, cancellationToken);
        return revoked.Share is { } share
            ? ui.Redirect(back, FlashKind.Success, $"No longer shared with {share.ShareWith}.")
            : ui.Redirect(back, FlashKind.Error, revoked.Problem!.Detail);
    }

    private static List<string> Permissions(IFormCollection form)
    {
        List<string> names = [WebDavPermissions.Read];
        if (form["write"] == "1")
        {
            names.Add(WebDavPermissions.Write);
        }

        if (form["reshare"] == "1")
        {
            names.Add(WebDavPermissions.Share);
        }

        return names;
    }

    /// <summary>A date field means "until the end of that day (UTC)"; empty means no expiry.</summary>
    private static bool TryReadExpiry(string? text, TimeProvider time, out long? expiration, out string error)
    {
        expiration = null;
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            error = "The expiry date is not a date (YYYY-MM-DD).";
            return false;
        }

        if (date == DateOnly.MaxValue)
        {
            error = "The expiry date must be before 9999-12-31.";
            return false;
        }

        var end = new DateTimeOffset(date.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        if (end <= time.GetUtcNow())
        {
            error = "The expiry date must be today or later.";
            return false;
        }

        expiration = end.ToUnixTimeSeconds();
        return true;
    }

    /// <summary>The form field a problem of the shares API is about, by the API field it names.</summary>
    private static string? FieldOf(string text) =>
        text.Contains("shareWith", StringComparison.Ordinal) || text.Contains("recipient", StringComparison.OrdinalIgnoreCase) ? "share-with"
            : text.Contains("expiration", StringComparison.OrdinalIgnoreCase) ? "expires"
            : null;

    /// <summary>A message of the shares API with its field names ('shareWith'…) replaced by what the form calls them.</summary>
    internal static string InWords(string message)
    {
        var text = ApiFieldName().Replace(message, match => match.Groups["name"].Value switch
        {
            "shareWith" => "the recipient's address",
            "expiration" => "the expiry date",
            "permissions" => "what they can do",
            "path" => "the file or folder",
            _ => match.Value,
        });

        // A sentence that now begins with "the …" gets its capital back.
        return SentenceStart().Replace(text, "The");
    }

    [System.Text.RegularExpressions.GeneratedRegex("'(?<name>shareWith|expiration|permissions|path)'")]
    private static partial System.Text.RegularExpressions.Regex ApiFieldName();

    [System.Text.RegularExpressions.GeneratedRegex("(?:^|(?<=[.!?]\\s))the\\b")]
    private static partial System.Text.RegularExpressions.Regex SentenceStart();
}
