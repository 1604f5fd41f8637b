using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Signatures;

/// <summary>What <see cref="OcmRequestAuthentication"/> established about a server-to-server request.</summary>
internal sealed class OcmRequest
{
    /// <summary>The raw body, exactly as received (digests were computed over these bytes).</summary>
    public required byte[] Body { get; init; }

    /// <summary>The verified signer's authority (<c>host[:port]</c>), or null when the request was not signed.</summary>
    public string? SignerHost { get; init; }

    /// <summary><c>rfc9421</c>, <c>cavage</c>, or null when unsigned.</summary>
    public string? Scheme { get; init; }

    public string? KeyId { get; init; }

    public bool IsSigned => SignerHost is not null;

    /// <summary>
    /// Payload consistency (OCM §9.4 step 11): a signed request may only speak for its own server. True when
    /// unsigned (trust is then decided by policy) or when <paramref name="claimedHost"/> is the signer.
    /// </summary>
    public bool IsConsistentWith(string? claimedHost) =>
        SignerHost is null || (claimedHost is not null && string.Equals(Normalize(claimedHost), Normalize(SignerHost), StringComparison.OrdinalIgnoreCase));

    private static string Normalize(string host) => OcmAddress.TryNormalizeAuthority(host, out var normalized, out _) ? normalized : host;
}

/// <summary>
/// The one filter in front of every OCM POST endpoint: reads the body (capped), verifies whatever signature is
/// present — RFC 9421 (<c>Signature-Input</c>) or draft-cavage (<c>Signature</c> / <c>Authorization: Signature</c>) —
/// and applies policy: an invalid signature is always 401; an unsigned request is 401 when
/// <c>Ocm:Security:RequireSignatures</c> is on. Every rejection is logged with its precise reason. Handlers read the
/// outcome with <see cref="OcmRequestAuthenticationExtensions.GetOcmRequest"/>.
/// </summary>
internal sealed partial class OcmRequestAuthentication(
    OcmRequestVerifier verifier,
    CavageVerifier cavage,
    PeerKeyResolver keys,
    SecurityOptions options,
    OcmServerInfo server,
    ILogger<OcmRequestAuthentication> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var read = await OcmApi.ReadBodyAsync(http.Request, http.RequestAborted);
        if (read.Failure is not null)
        {
            return read.Failure;
        }

        var body = read.Body!;
        var message = ToMessage(http, body);
        var endpoint = http.GetEndpoint()?.DisplayName ?? http.Request.Path.Value ?? "";
        OcmRequest result;
        if (message.Headers.Contains("Signature-Input"))
        {
            var claimed = ClaimedSigner(body, http.Request.ContentType);
            var verified = await verifier.VerifyAsync(message, claimed, http.RequestAborted);
            if (!verified.IsVerified)
            {
                Log.Rejected(logger, endpoint, "RFC 9421", verified.Failure.ToString(), verified.Message);
                return OcmApi.Error(StatusCodes.Status401Unauthorized, $"HTTP message signature rejected ({verified.Failure}): {verified.Message}");
            }

            result = new OcmRequest { Body = body, SignerHost = verified.SignerHost, Scheme = "rfc9421", KeyId = verified.KeyId };
        }
        else if (message.Headers.Contains("Signature") || IsCavageAuthorization(message))
        {
            string? signerHost = null;
            var verified = await cavage.VerifyAsync(message, async (keyId, cancellationToken) =>
            {
                signerHost = OcmSignatureProfile.TryGetKeyIdHost(keyId, out var host) ? host : ClaimedSigner(body, http.Request.ContentType);
                if (signerHost is null)
                {
                    return null;
                }

                var algorithm = CavageSignatureHeader.Read(message)?.Algorithm == CavageAlgorithms.RsaSha512
                    ? HttpSignatureAlgorithm.RsaV15Sha512
                    : HttpSignatureAlgorithm.RsaV15Sha256;
                return await keys.ResolveCavageKeyAsync(signerHost, keyId, algorithm, cancellationToken);
            }, http.RequestAborted);
            if (!verified.IsValid)
            {
                Log.Rejected(logger, endpoint, "draft-cavage", verified.Failure.ToString(), verified.Message);
                return OcmApi.Error(StatusCodes.Status401Unauthorized, $"HTTP signature (draft-cavage) rejected ({verified.Failure}): {verified.Message}");
            }

            result = new OcmRequest { Body = body, SignerHost = signerHost, Scheme = "cavage", KeyId = verified.Signature?.KeyId };
        }
        else if (options.RequireSignatures)
        {
            Log.Rejected(logger, endpoint, "none", nameof(SignatureFailure.NotSigned), "unsigned request while signatures are required");
            return OcmApi.Error(StatusCodes.Status401Unauthorized,
                "This server requires HTTP message signatures (criterion must-use-http-sig); the request is not signed.");
        }
        else
        {
            result = new OcmRequest { Body = body };
        }

        http.Features.Set(result);
        return await next(context);
    }

    /// <summary>
    /// The request as the signer saw it: <c>@target-uri</c> is rebuilt from the public URL (scheme and authority) and
    /// the raw request target, so it verifies behind a TLS-terminating reverse proxy too.
    /// </summary>
    private HttpMessage ToMessage(HttpContext http, byte[] body)
    {
        var publicUrl = server.PublicUrl;
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget) || !rawTarget.StartsWith('/'))
        {
            rawTarget = (http.Request.PathBase + http.Request.Path).ToUriComponent() + http.Request.QueryString.ToUriComponent();
        }

        var prefix = publicUrl.AbsolutePath.TrimEnd('/');
        if (prefix.Length > 0 && !rawTarget.StartsWith(prefix + "/", StringComparison.Ordinal))
        {
            rawTarget = prefix + rawTarget;
        }

        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget : rawTarget[..queryStart];
        var query = queryStart < 0 ? null : rawTarget[queryStart..];
        var authority = publicUrl.IsDefaultPort ? publicUrl.IdnHost : $"{publicUrl.IdnHost}:{publicUrl.Port}";
        var message = HttpMessage.CreateRequest(http.Request.Method, publicUrl.Scheme, authority, path, query);
        foreach (var header in http.Request.Headers)
        {
            foreach (var value in header.Value)
            {
                if (value is not null)
                {
                    message.Headers.Add(header.Key, value);
                }
            }
        }

        message.Body = body;
        return message;
    }

    private static bool IsCavageAuthorization(HttpMessage message) =>
        message.Headers.GetCombinedValue("Authorization") is { } value && value.StartsWith("Signature ", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The server the payload says it comes from (OCM §9.4 step 6): the host of <c>sender</c> (or <c>owner</c>,
    /// <c>sharedBy</c>) of a share, <c>shareWith</c> of a request-share, <c>recipientProvider</c> of an accepted invite,
    /// <c>client_id</c> of a token request.
    /// </summary>
    internal static string? ClaimedSigner(byte[] body, string? contentType)
    {
        if (contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            var form = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(body));
            return form.TryGetValue("client_id", out var clientId) && OcmAddress.TryNormalizeAuthority(clientId.ToString(), out var host, out _) ? host : null;
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            // A request-share (OCM 1.4 §7) comes from the server of shareWith; its owner is our own user.
            var root = document.RootElement;
            if (!root.TryGetProperty("sender", out _) && !root.TryGetProperty("sharedBy", out _) && !root.TryGetProperty("providerId", out _)
                && root.TryGetProperty("shareWith", out var requester) && requester.ValueKind == JsonValueKind.String
                && OcmAddress.TryParse(requester.GetString(), out var requesterAddress, out _))
            {
                return requesterAddress.Authority;
            }

            foreach (var name in new[] { "sender", "sharedBy", "owner" })
            {
                if (document.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
                    && OcmAddress.TryParse(value.GetString(), out var address, out _))
                {
                    return address.Authority;
                }
            }

            if (document.RootElement.TryGetProperty("recipientProvider", out var provider) && provider.ValueKind == JsonValueKind.String
                && OcmAddress.TryNormalizeAuthority(provider.GetString()!, out var providerHost, out _))
            {
                return providerHost;
            }
        }
        catch (JsonException)
        {
            // Not JSON: the handler reports that; the signer then comes from the key id alone.
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Rejected {Endpoint}: {Scheme} signature failure {Failure}: {Reason}")]
        public static partial void Rejected(ILogger logger, string endpoint, string scheme, string failure, string reason);
    }
}

internal static class OcmRequestAuthenticationExtensions
{
    /// <summary>Puts <see cref="OcmRequestAuthentication"/> in front of an OCM endpoint.</summary>
    public static RouteHandlerBuilder RequireOcmAuthentication(this RouteHandlerBuilder builder) =>
        builder.AddEndpointFilter<OcmRequestAuthentication>();

    /// <summary>The body and verified signer of the current OCM request.</summary>
    public static OcmRequest GetOcmRequest(this HttpContext context) =>
        context.Features.Get<OcmRequest>() ?? throw new InvalidOperationException("The endpoint is missing RequireOcmAuthentication().");
}
