using Ocm.Ui;

namespace Ocm.Identity.Mfa;

/// <summary>
/// A session of a user who must use a second factor but has none reaches only enrolment and sign-out: every other
/// page of the web interface sends it to enrolment. The session says so itself (<see cref="MfaSession.MustEnrolClaim"/>),
/// so no request pays a database query for it.
/// </summary>
internal sealed class MfaEnrolmentGate : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.User.MustEnrol())
        {
            return await next(context);
        }

        var ui = UiRequest.For(http);
        return ui.Redirect(ui.Urls.Action(TwoFactorPages.EnrolPath), FlashKind.Error,
            "This server requires two-factor authentication. Set up an authenticator app to continue.");
    }
}
