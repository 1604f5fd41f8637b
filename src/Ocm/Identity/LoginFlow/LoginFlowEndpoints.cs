using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Features;
using Ocm.Hosting;
using Ocm.Ui;

namespace Ocm.Identity.LoginFlow;

/// <summary>
/// The client side of Nextcloud's Login Flow v2 (Nextcloud developer manual, "Login Flow" → "Login flow v2"):
/// an anonymous <c>POST /index.php/login/v2</c> answers <c>{"poll":{"token","endpoint"},"login"}</c>; the client opens
/// <c>login</c> in the browser and polls <c>POST {endpoint}</c> with <c>token=…</c>, which answers 404 until the user
/// approved it, then once 200 <c>{"server","loginName","appPassword"}</c>. Nextcloud answers both with and without the
/// <c>/index.php</c> front controller in the path, and names the poll and login URLs without it; clients use both.
/// </summary>
internal static class LoginFlowEndpoints
{
    public static IEndpointRouteBuilder MapLoginFlowClientEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in (string[])["/index.php/login/v2", "/login/v2"])
        {
            app.MapPost(prefix, StartAsync).WithDisplayName("Login flow v2: start").ExcludeFromDescription();
            app.MapPost(prefix + "/poll", PollAsync).WithDisplayName("Login flow v2: poll").ExcludeFromDescription();
            app.MapGet(prefix + "/flow/{token}", (string token, HttpContext context) =>
                    UiRequest.Redirect(UiUrls.For(context).Action(LoginFlowPages.ApprovalPath(token))))
                .WithDisplayName("Login flow v2: browser link")
                .ExcludeFromDescription();
        }

        return app;
    }

    private static async Task<IResult> StartAsync(HttpContext context, LoginFlows flows, OcmServerInfo server, CancellationToken cancellationToken)
    {
        var (result, pollToken, loginToken) = await flows.StartAsync(
            context.Request.Headers.UserAgent.ToString(), context.Connection.RemoteIpAddress, cancellationToken);
        if (result == LoginFlowStart.TooManyPending)
        {
            RetryAfter.Set(context.Response, TimeSpan.FromMinutes(1));
            return Results.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many sign-ins are waiting for approval from this address. Finish or abandon one, or wait until they expire.");
        }

        var started = new LoginFlowStarted(
            new LoginFlowPoll(pollToken, server.Url("login/v2/poll").AbsoluteUri),
            server.Url("login/v2/flow/" + loginToken).AbsoluteUri);
        context.Response.Headers.CacheControl = "no-store";
        return Results.Json(started, LoginFlowJsonContext.Default.LoginFlowStarted);
    }

    private static async Task<IResult> PollAsync(HttpContext context, LoginFlows flows, OcmServerInfo server, OcmOptions options, CancellationToken cancellationToken)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxApiBodyBytes;
        }

        if (!context.Request.HasFormContentType)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Send the poll token as a form field: token=….");
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var token = form["token"].ToString();
        if (token.Length == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form field 'token' (the poll token) is missing.");
        }

        context.Response.Headers.CacheControl = "no-store";
        var credentials = await flows.CollectAsync(token, cancellationToken);
        if (credentials is null)
        {
            // As Nextcloud: 404 while the user has not approved, and for tokens that expired or were collected.
            return Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "No approved sign-in for this token: not approved yet, expired, or already collected.");
        }

        return Results.Json(
            new LoginFlowResult(server.PublicUrl.AbsoluteUri.TrimEnd('/'), credentials.LoginName, credentials.AppPassword),
            LoginFlowJsonContext.Default.LoginFlowResult);
    }
}

internal sealed record LoginFlowPoll(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("endpoint")] string Endpoint);

internal sealed record LoginFlowStarted(
    [property: JsonPropertyName("poll")] LoginFlowPoll Poll,
    [property: JsonPropertyName("login")] string Login);

internal sealed record LoginFlowResult(
    [property: JsonPropertyName("server")] string Server,
    [property: JsonPropertyName("loginName")] string LoginName,
    [property: JsonPropertyName("appPassword")] string AppPassword);

[JsonSerializable(typeof(LoginFlowStarted))]
[JsonSerializable(typeof(LoginFlowResult))]
internal sealed partial class LoginFlowJsonContext : JsonSerializerContext;
