using Microsoft.EntityFrameworkCore;
using Ocm.Data;

namespace Ocm.Hosting;

internal static class HealthEndpoints
{
    /// <summary><c>GET /healthz</c>: 200 when the database answers, 503 otherwise. For load balancers and probes.</summary>
    public static IEndpointRouteBuilder MapOcmHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", async (OcmDb db, CancellationToken cancellationToken) =>
        {
            var databaseUp = await db.Database.CanConnectAsync(cancellationToken);
            return databaseUp
                ? Results.Json(new HealthStatus("ok", "up"), HostingJsonContext.Default.HealthStatus)
                : Results.Json(new HealthStatus("degraded", "down"), HostingJsonContext.Default.HealthStatus, statusCode: 503);
        }).ExcludeFromDescription();
        return app;
    }
}

internal sealed record HealthStatus(string Status, string Database);
