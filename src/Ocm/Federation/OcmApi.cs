using Ocm.Protocol.Errors;
using Ocm.Protocol.Json;

namespace Ocm.Federation;

/// <summary>
/// The one place that produces the OCM error dialect (<c>{ "message", "validationErrors": [{ "name", "message" }] }</c>,
/// the <c>Error</c> schema of the OCM OpenAPI document) and reads OCM request bodies: raw bytes (signature digests are computed over exactly these),
/// capped in size, never a 500 for what a peer sent.
/// </summary>
internal static class OcmApi
{
    /// <summary>Largest OCM API request body, in bytes. Shares and notifications are a few KB.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    public static IResult Error(int statusCode, string message, IReadOnlyList<OcmValidationError>? validationErrors = null) =>
        Error(statusCode, new OcmError { Message = message, ValidationErrors = validationErrors });

    public static IResult Error(int statusCode, OcmError error) =>
        new JsonBytesResult(statusCode, OcmJson.Write(error));

    /// <summary>
    /// Reads the whole request body up to <see cref="MaxBodyBytes"/>. On failure returns the error to answer with:
    /// 413 for an oversized body (checked against Content-Length first, then while reading), 400 for an empty one.
    /// </summary>
    public static async Task<BodyResult> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken, int maxBytes = MaxBodyBytes)
    {
        if (request.ContentLength is long declared && declared > maxBytes)
        {
            return BodyResult.Fail(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the allowed {maxBytes} bytes.");
        }

        var buffer = new MemoryStream(request.ContentLength is long length ? (int)length : 4096);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return BodyResult.Fail(StatusCodes.Status413PayloadTooLarge, $"The request body is larger than the allowed {maxBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return BodyResult.Fail(StatusCodes.Status400BadRequest, "The request body is empty; a JSON object is required.");
        }

        return BodyResult.Ok(buffer.ToArray());
    }

    /// <summary>The body, or the error to answer with (<see cref="Problem"/> in words, for endpoints answering in another dialect).</summary>
    internal sealed record BodyResult(byte[]? Body, IResult? Failure, string? Problem = null)
    {
        public static BodyResult Ok(byte[] body) => new(body, null);

        public static BodyResult Fail(int status, string problem) => new(null, Error(status, problem), problem);
    }

    /// <summary>Pre-serialized JSON with a status code (the wire types serialize through the source-generated context).</summary>
    internal sealed class JsonBytesResult(int statusCode, byte[] json) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => statusCode;

        public async Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = statusCode;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            httpContext.Response.ContentLength = json.Length;
            await httpContext.Response.Body.WriteAsync(json, httpContext.RequestAborted);
        }
    }
}
