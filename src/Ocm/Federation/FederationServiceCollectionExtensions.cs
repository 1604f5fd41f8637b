namespace Ocm.Federation;

internal static class FederationServiceCollectionExtensions
{
    public static IServiceCollection AddOcmFederation(this IServiceCollection services, IConfiguration configuration)
    {
        return services;
    }

    public static IEndpointRouteBuilder MapOcmFederation(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
