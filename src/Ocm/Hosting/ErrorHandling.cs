namespace Ocm.Hosting;

/// <summary>
/// Last line of defence: a request that still throws becomes a 400 (the client sent something we could not read)
/// or a logged 500 without details. Client disconnects are expected and only logged at Debug.
/// Feature endpoints produce their own error dialect (OCM error body, OAuth, ProblemDetails, WebDAV) before this.
/// </summary>
internal static partial class ErrorHandling
{
    public static IApplicationBuilder UseOcmErrorHandling(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            Log.ClientDisconnected(Logger(context), context.Request.Method, EndpointName(context));
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            Log.BadRequest(Logger(context), context.Request.Method, EndpointName(context), ex.Message);
            context.Response.Clear();
            context.Response.StatusCode = ex.StatusCode;
            await Results.Problem(statusCode: ex.StatusCode, title: "Bad request", detail: ex.Message).ExecuteAsync(context);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException && ex.Source == "Microsoft.AspNetCore.WebUtilities" && !context.Response.HasStarted)
        {
            // ASP.NET Core's form and multipart readers: the client's body cannot be decoded (a field with %00 is an
            // InvalidDataException, a multipart body that ends before its boundary an IOException). The client's
            // fault, not ours; the same exceptions from anywhere else stay a 500.
            Log.BadRequest(Logger(context), context.Request.Method, EndpointName(context), ex.Message);
            context.Response.Clear();
            await Results.Problem(statusCode: 400, title: "Bad request", detail: "The form could not be read: " + ex.Message).ExecuteAsync(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            Log.Unhandled(Logger(context), ex, context.Request.Method, EndpointName(context));
            context.Response.Clear();
            await Results.Problem(statusCode: 500, title: "Internal server error").ExecuteAsync(context);
        }
    });

    /// <summary>
    /// The user JSON API answers every error as RFC 9457 problem details (house rule 5), also the ones produced before a
    /// handler runs: 401 and 429 from Basic authentication, 400 and 415 for a body that cannot be read, 404 and 405 for
    /// unknown routes and methods. WebDAV, OCM and the web interface keep their own dialects, so only <c>/api/</c>.
    /// </summary>
    public static IApplicationBuilder UseOcmApiProblemDetails(this IApplicationBuilder app) =>
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase),
            api => api.UseStatusCodePages(async pages =>
            {
                var context = pages.HttpContext;
                var problem = new ProblemDetailsContext { HttpContext = context };
                problem.ProblemDetails.Status = context.Response.StatusCode;
                problem.ProblemDetails.Detail = ApiStatusDetail(context.Response.StatusCode);
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().TryWriteAsync(problem);
            }));

    // A sentence for a person reading a script's error output (the `ocm` commands print title and detail).
    private static string? ApiStatusDetail(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request could not be read: malformed JSON or an invalid parameter.",
        StatusCodes.Status401Unauthorized => "The server refused the user name or password (HTTP Basic), or none was sent.",
        StatusCodes.Status404NotFound => "No API endpoint has this path.",
        StatusCodes.Status405MethodNotAllowed => "This API endpoint does not take this method; the Allow header lists those it takes.",
        StatusCodes.Status415UnsupportedMediaType => "The request body must be application/json.",
        StatusCodes.Status429TooManyRequests => "Too many failed sign-ins; try again after the number of seconds in Retry-After.",
        _ => null,
    };

    // Request paths carry users' file names, so logs name the endpoint, not the path.
    private static string EndpointName(HttpContext context) => context.GetEndpoint()?.DisplayName ?? "(no endpoint)";

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Ocm.Hosting.ErrorHandling");

    private static partial class Log
    {
        [LoggerMessage(1000, LogLevel.Debug, "Client disconnected during {Method} {Endpoint}")]
        public static partial void ClientDisconnected(ILogger logger, string method, string endpoint);

        [LoggerMessage(1001, LogLevel.Information, "Rejected {Method} {Endpoint}: {Reason}")]
        public static partial void BadRequest(ILogger logger, string method, string endpoint, string reason);

        [LoggerMessage(1002, LogLevel.Error, "Unhandled error in {Method} {Endpoint}")]
        public static partial void Unhandled(ILogger logger, Exception exception, string method, string endpoint);
    }
}
