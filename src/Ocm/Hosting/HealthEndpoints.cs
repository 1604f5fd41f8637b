namespace Ocm.Hosting;

/// <summary>
/// The probes of load balancers and orchestrators, answered without credentials and without waiting for the start:
/// <c>GET /healthz</c> says the process lives (liveness: restart it when this fails); <c>GET /readyz</c> says whether
/// this node can serve requests now (readiness: send it traffic only while this is 200), see <see cref="Readiness"/>.
/// docs/deployment.md shows both in the haproxy configuration.
/// </summary>
internal static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapOcmHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet(Readiness.LivenessPath, () => Results.Json(new LivenessStatus("alive"), HostingJsonContext.Default.LivenessStatus))
            .ExcludeFromDescription();
        app.MapGet(Readiness.ReadinessPath, async (Readiness readiness, HttpContext context, CancellationToken cancellationToken) =>
        {
            var report = await readiness.CheckAsync(cancellationToken);
            context.Response.Headers.CacheControl = "no-store";
            return Results.Json(report, HostingJsonContext.Default.ReadinessReport,
                statusCode: report.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        }).ExcludeFromDescription();
        return app;
    }
}

internal sealed record LivenessStatus(string Status);
