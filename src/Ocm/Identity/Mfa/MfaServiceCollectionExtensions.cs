using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Ui;

namespace Ocm.Identity.Mfa;

internal static class MfaServiceCollectionExtensions
{
    public static IServiceCollection AddOcmMfa(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(MfaOptions.Section).Get<MfaOptions>() ?? new MfaOptions();
        services.TryAddSingleton(options);
        services.TryAddScoped<TwoFactor>();
        services.TryAddScoped<SignInCompletion>();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IMfaRequirementSource, EveryoneMfaRequirement>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IMfaRequirementSource, PerUserMfaRequirement>());
        services.TryAddEnumerable(ServiceDescriptor.Scoped<IMfaRequirementSource, PerGroupMfaRequirement>());
        services.TryAddScoped<MfaShareAccess>();
        services.TryAddSingleton<MfaShareEnforcement>();
        services.AddSingleton<Federation.IDiscoveryContributor, MfaDiscoveryContributor>();
        return services;
    }

    /// <summary>The code step of sign-in and the enrolment pages (the latter open to sessions that must still enrol).</summary>
    public static IEndpointRouteBuilder MapOcmMfa(this IEndpointRouteBuilder app)
    {
        if (!app.ServiceProvider.GetRequiredService<UiOptions>().Enabled)
        {
            return app;
        }

        var anonymous = app.MapGroup(UiUrls.Mount).ExcludeFromDescription().AddEndpointFilter<CsrfFilter>();
        TwoFactorPages.MapSignInStep(anonymous);
        var signedIn = app.MapGroup(UiUrls.Mount).ExcludeFromDescription().RequireAuthorization(UiSession.Policy).AddEndpointFilter<CsrfFilter>();
        TwoFactorPages.MapEnrolment(signedIn);
        return app;
    }
}
