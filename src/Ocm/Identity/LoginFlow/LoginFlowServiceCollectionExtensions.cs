using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Identity.Mfa;
using Ocm.Ui;

namespace Ocm.Identity.LoginFlow;

internal static class LoginFlowServiceCollectionExtensions
{
    public static IServiceCollection AddOcmLoginFlow(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(LoginFlowOptions.Section).Get<LoginFlowOptions>() ?? new LoginFlowOptions();
        services.TryAddSingleton(options);
        services.TryAddScoped<LoginFlows>();
        return services;
    }

    /// <summary>
    /// The client endpoints and the approval page; neither exists without the web interface, where the user approves
    /// (a client then gets 404 and falls back to asking for an app password).
    /// </summary>
    public static IEndpointRouteBuilder MapOcmLoginFlow(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<LoginFlowOptions>();
        if (!options.Enabled || !app.ServiceProvider.GetRequiredService<UiOptions>().Enabled)
        {
            return app;
        }

        app.MapLoginFlowClientEndpoints();
        var signedIn = app.MapGroup(UiUrls.Mount).ExcludeFromDescription()
            .RequireAuthorization(UiSession.Policy)
            .AddEndpointFilter<CsrfFilter>()
            .AddEndpointFilter<MfaEnrolmentGate>();
        LoginFlowPages.Map(signedIn);
        return app;
    }
}
