using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Identity.Groups;
using Ocm.Identity.Ldap;
using Ocm.Identity.Oidc;
using Ocm.Protocol.Http;
using Ocm.Ui;

namespace Ocm.Identity;

/// <summary>Sign-in with an OpenID Connect provider or an LDAP directory, the local sign-in policy, and groups.</summary>
internal static class IdentityServiceCollectionExtensions
{
    /// <summary>Registers after <c>AddOcmUi</c>: the provider's sign-in ends in the web interface's session.</summary>
    public static IServiceCollection AddOcmIdentity(this IServiceCollection services, IConfiguration configuration)
    {
        var oidc = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        var local = configuration.GetSection(LocalSignInOptions.Section).Get<LocalSignInOptions>() ?? new LocalSignInOptions();
        var ui = configuration.GetSection(UiOptions.Section).Get<UiOptions>() ?? new UiOptions();
        services.TryAddSingleton(oidc);
        services.TryAddSingleton(local);
        services.TryAddSingleton(configuration.GetSection(LdapOptions.Section).Get<LdapOptions>() ?? new LdapOptions());
        services.TryAddSingleton<LdapDirectory>();
        services.TryAddScoped<LdapAccounts>();
        services.AddHostedService<LdapSync>();
        services.TryAddScoped<GroupDirectory>();
        services.TryAddScoped<OidcAccounts>();
        GroupEndpoints.AddJson(services);
        if (oidc.Enabled && ui.Enabled)
        {
            services.AddAuthentication().AddOpenIdConnect(OidcSignIn.Scheme, oidc.DisplayName, o => OidcSignIn.Configure(o, oidc, ui));
            services.AddOptions<OpenIdConnectOptions>(OidcSignIn.Scheme)
                .Configure<OutboundPolicy>((o, policy) => o.BackchannelHttpHandler = OidcSignIn.BackchannelHandler(policy, oidc));
        }

        return services;
    }

    public static IEndpointRouteBuilder MapOcmIdentity(this IEndpointRouteBuilder app)
    {
        GroupEndpoints.Map(app);
        if (app.ServiceProvider.GetRequiredService<UiOptions>().Enabled)
        {
            OidcSignIn.Map(app);
            AdminGroupsPages.Map(app);
        }

        return app;
    }
}
