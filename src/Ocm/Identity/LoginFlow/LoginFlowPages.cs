using Ocm.Identity.Mfa;
using Ocm.Ui;

namespace Ocm.Identity.LoginFlow;

/// <summary>
/// The browser side of Login Flow v2: the link a sync client opens leads here (through the normal sign-in of the web
/// interface, whatever it offers, second factor included); the signed-in user sees which client asks and grants or
/// refuses it.
/// </summary>
internal static class LoginFlowPages
{
    /// <summary>Where the browser link of a flow leads: the approval page, under the interface's base.</summary>
    public static string ApprovalPath(string loginToken) => "login-flow/" + loginToken;

    public static void Map(RouteGroupBuilder signedIn)
    {
        signedIn.MapGet("/login-flow/{token}", ShowAsync);
        signedIn.MapPost("/login-flow/{token}/grant", GrantAsync);
        signedIn.MapPost("/login-flow/{token}/deny", DenyAsync);
    }

    private static async Task<IResult> ShowAsync(string token, HttpContext context, LoginFlows flows, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var flow = await flows.FindWaitingAsync(token, cancellationToken);
        if (flow is null)
        {
            return Gone(ui);
        }

        var user = ui.User;
        var buttons = Html.Of($"""
            <div class="actions-row">
            {ui.Form(ui.Urls.Action(ApprovalPath(token) + "/grant"), Html.Raw("<button type=\"submit\" id=\"grant-access\">Grant access</button>"), "inline")}
            {ui.Form(ui.Urls.Action(ApprovalPath(token) + "/deny"), Html.Raw("<button type=\"submit\" class=\"secondary\" id=\"deny-access\">Cancel</button>"), "inline")}
            </div>
            """);
        var body = Html.Of($"""
            <div class="narrow" id="login-flow">
            <h1>Connect a sync client</h1>
            <p><strong id="login-flow-client">{flow.ClientName}</strong> asks for access to your account <strong>{user.Name}</strong> on {ui.Server.ProviderName}.</p>
            <p>It receives an app password of its own, named after it, which you can revoke under <a href="{ui.Urls.Action("account")}">Account</a> at any time. Grant access only if you just started signing in from this client.</p>
            {buttons}
            <p class="hint">This request expires at {UiFormat.Time(flow.Expires)} (UTC).</p>
            </div>
            """);
        return ui.Page("Connect a sync client", body, UiSection.Account);
    }

    private static async Task<IResult> GrantAsync(string token, HttpContext context, LoginFlows flows, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var flow = await flows.FindWaitingAsync(token, cancellationToken);
        if (flow is null || !await flows.ApproveAsync(token, ui.User.Id, context.User.UsedMfa(), cancellationToken))
        {
            return Gone(ui);
        }

        var body = Html.Of($"""
            <div class="narrow" id="login-flow-done">
            <h1>Client connected</h1>
            <p role="status"><strong>{flow.ClientName}</strong> is now connected to your account and receives its app password. You can close this window and return to the app.</p>
            </div>
            """);
        return ui.Page("Client connected", body, UiSection.Account);
    }

    private static async Task<IResult> DenyAsync(string token, HttpContext context, LoginFlows flows, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        await flows.DenyAsync(token, cancellationToken);
        return ui.Message(StatusCodes.Status200OK, "Access refused", "The client was not connected. You can close this window.", UiSection.Account);
    }

    private static IResult Gone(UiRequest ui) => ui.Message(
        StatusCodes.Status410Gone,
        "Sign-in link expired",
        "This sign-in link has expired or was already used. Start signing in again from your app.",
        UiSection.Account);
}
