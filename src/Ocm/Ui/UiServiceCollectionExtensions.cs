using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Hosting;

namespace Ocm.Ui;

/// <summary>
/// The web interface: server-rendered HTML under <c>/ui/</c> with a little script for uploads, behind a cookie
/// session (the JSON API and WebDAV keep Basic). Every POST is checked against the anti-forgery token.
/// </summary>
internal static class UiServiceCollectionExtensions
{
    public static IServiceCollection AddOcmUi(this IServiceCollection services, IConfiguration configuration, string dataDir)
    {
        var options = configuration.GetSection(UiOptions.Section).Get<UiOptions>() ?? new UiOptions();

        services.TryAddSingleton(options);

        // The layout and its stylesheet also serve the invite pages, which exist without the web interface.
        services.TryAddSingleton<UiAssets>();
        if (!options.Enabled)
        {
            return services;
        }

        // Data Protection encrypts the session cookie and anti-forgery tokens; its keys live in the database (every node
        // must read every other's cookies), each sealed with the deployment secret by the repository itself. So the
        // framework's "keys not encrypted at rest" warning, which knows only its own encryptors, is expected.
        services.AddDataProtection().SetApplicationName("Ocm");
        services.TryAddSingleton(sp => new DatabaseKeyRepository(
            sp.GetRequiredService<IServiceScopeFactory>(),
            sp.GetRequiredService<DeploymentSecret>(),
            sp.GetRequiredService<Data.DatabaseWriteGate>(),
            Path.Combine(dataDir, "keys", "dataprotection")));
        services.AddSingleton<Data.IOcmDataInitializer>(sp => sp.GetRequiredService<DatabaseKeyRepository>());
        services.AddOptions<KeyManagementOptions>().Configure<DatabaseKeyRepository>((o, repository) => o.XmlRepository = repository);
        services.Configure<LoggerFilterOptions>(o =>
            o.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error));

        services.AddAuthentication()
            .AddCookie(UiSession.Scheme, o =>
            {
                o.Cookie.Name = UiSession.CookieName;
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
                o.Cookie.SecurePolicy = options.SecureCookiesOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.Cookie.Path = "/";
                o.ExpireTimeSpan = TimeSpan.FromMinutes(options.SessionMinutes);
                o.SlidingExpiration = true;
                o.Events = UiSession.Events();
            });
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "ocm_csrf";
            o.Cookie.SecurePolicy = options.SecureCookiesOnly ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            o.FormFieldName = UiRequest.CsrfField;
            o.HeaderName = UiRequest.CsrfHeader;

            // Pages set X-Frame-Options: DENY and frame-ancestors 'none' themselves.
            o.SuppressXFrameOptionsHeader = true;
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(UiSession.Policy, policy => policy
                .AddAuthenticationSchemes(UiSession.Scheme)
                .RequireAuthenticatedUser())
            .AddPolicy(UiSession.AdminPolicy, policy => policy
                .AddAuthenticationSchemes(UiSession.Scheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.IsAdmin()));
        return services;
    }

    public static IEndpointRouteBuilder MapOcmUi(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<UiOptions>();
        var ui = app.MapGroup(UiUrls.Mount).ExcludeFromDescription();
        ui.MapGet("/static/{name}", (string name, HttpContext context, UiAssets assets) => assets.Serve(name, context));
        if (!options.Enabled)
        {
            return app;
        }

        app.MapGet("/", (HttpContext context) => UiRequest.Redirect(UiUrls.For(context).Home)).ExcludeFromDescription();
        ui.MapGet("", (HttpContext context) => UiRequest.Redirect(UiUrls.For(context).Home));

        var anonymous = ui.MapGroup("").AddEndpointFilter<CsrfFilter>();
        LoginPages.Map(anonymous);

        // A session that must still enrol a second factor reaches only enrolment (Identity/Mfa/MfaEnrolmentGate.cs).
        var signedIn = ui.MapGroup("").RequireAuthorization(UiSession.Policy).AddEndpointFilter<CsrfFilter>().AddEndpointFilter<Identity.Mfa.MfaEnrolmentGate>();
        FilesPages.Map(signedIn);
        SharePages.Map(signedIn);
        SharedWithMePages.Map(signedIn);
        ResharePages.Map(signedIn);
        ReceivedFolderPages.Map(signedIn);
        ViewerPages.Map(signedIn);
        WebAppLaunchPages.Map(signedIn);
        ContactsPages.Map(signedIn);
        ShareRequestPages.Map(signedIn);
        AccountPages.Map(signedIn);

        // Uploads and the editor's saves check the token themselves (from a header, or the form's first field) so the body is never buffered.
        // The web app of outgoing shares: opened by a remote user's token, never by a local session (ViewerPages.WebApp.cs).
        ViewerPages.MapWebApp(ui.MapGroup(""));

        var uploads = ui.MapGroup("").RequireAuthorization(UiSession.Policy).AddEndpointFilter<Identity.Mfa.MfaEnrolmentGate>();
        UploadEndpoint.Map(uploads);
        ViewerPages.MapSaves(uploads);

        var admin = ui.MapGroup("/admin").RequireAuthorization(UiSession.AdminPolicy).AddEndpointFilter<CsrfFilter>().AddEndpointFilter<Identity.Mfa.MfaEnrolmentGate>();
        AdminUsersPages.Map(admin);
        AdminFederationPages.Map(admin);
        AdminKeysPages.Map(admin);
        return app;
    }
}

/// <summary>
/// Marks the one kind of form POST under <c>/ui</c> that comes from another site by design and so cannot carry our
/// anti-forgery token: it carries its own credential instead (the OCM web app launch, whose form the recipient's
/// server makes and which holds an exchanged access token, OCM §Resource Access). Without that credential it is refused.
/// </summary>
internal sealed record CrossSiteFormEntry(string Credential);

/// <summary>
/// Every form POST of the interface must carry the anti-forgery token of the signed-in user (or, for the sign-in
/// form, of the anonymous visitor). Form bodies are small: they are capped before they are read.
/// </summary>
internal sealed partial class CsrfFilter(IAntiforgery antiforgery, OcmOptions options, ILogger<CsrfFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            return await next(context);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxApiBodyBytes;
        }

        // A form ASP.NET Core cannot decode (a field with %00, say) fails the antiforgery check as well; say what is
        // wrong instead of "Form expired", which would send the user looking for the wrong problem.
        if (http.Request.HasFormContentType)
        {
            try
            {
                await http.Request.ReadFormAsync(http.RequestAborted);
            }
            catch (InvalidDataException)
            {
                return UiRequest.For(http).Message(
                    StatusCodes.Status400BadRequest,
                    "Invalid form",
                    "A field of this form contains a character that no name or text may contain (such as NUL). Go back and retype it.");
            }
        }

        try
        {
            await antiforgery.ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            Log.Rejected(logger, http.GetEndpoint()?.DisplayName ?? "(unknown)");
            return UiRequest.For(http).Message(
                StatusCodes.Status400BadRequest,
                "Form expired",
                "This form was opened before you signed in or out, or in another session. Go back, reload the page and try again.");
        }

        return await next(context);
    }

    private static partial class Log
    {
        [LoggerMessage(2620, LogLevel.Information, "Rejected a form without a valid anti-forgery token: {Endpoint}")]
        public static partial void Rejected(ILogger logger, string endpoint);
    }
}
