using Ocm.RemoteShares;
using Ocm.Shares;

namespace Ocm.Ui;

/// <summary>
/// "Open" for a received share that offers a web app (OCM §Resource Access step 6): our server exchanges the web app's
/// secret for a token at the sender's token endpoint (signed, OCM §Code Flow), then hands the browser a form that POSTs
/// <c>access_token</c> and <c>expired_session_redirect_uri</c> (this page, so an expired session starts over here) to the
/// web app's URI, submitted at once by <c>ocm.js</c> (a button without script). The secret never reaches the browser;
/// the token travels only in the POSTed body, never in a URI. The target is <c>blank</c> realised as <c>_top</c> (the
/// spec allows either); the page's CSP lets this one form go to the sender.
/// </summary>
internal static partial class WebAppLaunchPages
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapPost("/received/{id:long}/webapp", LaunchAsync);
        // Where the web app sends the browser when its session expired: back to the list, to open it again.
        ui.MapGet("/received/{id:long}/webapp", (long id, HttpContext context) =>
            UiRequest.For(context).Redirect(UiRequest.For(context).Urls.Action("shared-with-me"), FlashKind.Error, "The web app's session ended; open the share again."));
    }

    private static async Task<IResult> LaunchAsync(long id, HttpContext context, ReceivedShares received, RemoteShareClient remote, ILoggerFactory loggers)
    {
        var ui = UiRequest.For(context);
        var back = ui.Urls.Action("shared-with-me");
        if (await received.FindMountedAsync(ui.User.Id, id, ui.Aborted) is not { } mounted || mounted.Share.WebAppUri is not { } uri || mounted.Share.WebAppProtectedSecret is null)
        {
            return ui.Message(StatusCodes.Status404NotFound, "Not found", "You have no accepted share with this number that opens in a web app.", UiSection.SharedWithMe);
        }

        var share = mounted.Share;
        if (await ReceivedFolderPages.TwoFactorRequiredAsync(ui, share) is { } refused)
        {
            return refused;
        }

        string token;
        try
        {
            token = await remote.ExchangeWebAppTokenAsync(share, ui.Aborted);
        }
        catch (RemoteShareException ex)
        {
            Log.LaunchFailed(loggers.CreateLogger("Ocm.Ui.WebAppLaunchPages"), share.Id, share.SenderHost, ex.Message);
            return ui.Redirect(back, FlashKind.Error, $"“{share.Name}” could not be opened: {ex.Message}");
        }

        var restart = new Uri(context.RequestServices.GetRequiredService<Hosting.OcmServerInfo>().Url(""), ui.Urls.Action($"received/{share.Id}/webapp")).AbsoluteUri;
        var body = Html.Of($"""
            <h1>Opening “{share.Name}”</h1>
            <form method="post" action="{uri}" target="_top" id="webapp-launch" data-autosubmit>
            <input type="hidden" name="access_token" value="{token}">
            <input type="hidden" name="expired_session_redirect_uri" value="{restart}">
            <p>“{share.Name}” opens in the web app of {share.SenderHost}. <button type="submit" id="webapp-continue">Continue</button></p>
            </form>
            <p><a href="{back}">Back to shares</a></p>
            """);
        return ui.Page("Opening " + share.Name, body, UiSection.SharedWithMe, formsMayRedirectAway: true);
    }

    private static partial class Log
    {
        [LoggerMessage(2660, LogLevel.Warning, "Received share {ShareId} from {Sender}: its web app could not be opened: {Reason}")]
        public static partial void LaunchFailed(ILogger logger, long shareId, string sender, string reason);
    }
}
