using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Tokens;
using Ocm.Tokens;

namespace Ocm.Signatures;

/// <summary>What <see cref="OcmRequestAuthentication"/> established about a server-to-server request.</summary>
internal sealed class OcmRequest
{
    /// <summary>The raw body, exactly as received (digests were computed over these bytes).</summary>
    public required byte[] Body { get; init; }

    /// <summary>The verified signer's authority (<c>host[:port]</c>), or null when the request was not signed.</summary>
    public string? SignerHost { get; init; }

    /// <summary>How the request was signed; null when it was not.</summary>
    public SignatureScheme? Scheme { get; init; }

    public string? KeyId { get; init; }

    public bool IsSigned => SignerHost is not null;

    /// <summary>
    /// Payload consistency (OCM Appendix B, "Validating the Payload"): a signed request may only speak for its own server. True when
    /// unsigned (trust is then decided by policy) or when <paramref name="claimedHost"/> is the signer.
    /// </summary>
    public bool IsConsistentWith(string? claimedHost) =>
        SignerHost is null || (claimedHost is not null && string.Equals(Normalize(claimedHost), Normalize(SignerHost), StringComparison.OrdinalIgnoreCase));

    private static string Normalize(string host) => OcmAddress.TryNormalizeAuthority(host, out var normalized, out _) ? normalized : host;
}

/// <summary>
/// The one filter in front of every OCM POST endpoint: reads the body (capped), verifies whatever signature is
/// present — RFC 9421 (<c>Signature-Input</c>) or draft-cavage (<c>Signature</c> / <c>Authorization: Signature</c>) —
/// and applies policy: an invalid signature is always rejected; an unsigned request is 401 when
/// <c>Ocm:Security:RequireSignatures</c> is on. Every rejection is logged with its precise reason and answered in the
/// OCM error dialect (the OAuth dialect in front of the token endpoint), never with a 500: 400 for unreadable signature headers, 502 when the signer's key cannot be
/// fetched (the sender may retry), 401 for everything else (OCM prescribes none). Handlers read the outcome with
/// <see cref="OcmRequestAuthenticationExtensions.GetOcmRequest"/>.
/// </summary>
internal sealed partial class OcmRequestAuthentication(
    OcmRequestVerifier verifier,
    CavageVerifier cavage,
    PeerKeyResolver keys,
    ISignatureReplayCache replay,
    SecurityOptions options,
    OcmServerInfo server,
    PeerClient peers,
    TimeProvider time,
    ILogger<OcmRequestAuthentication> logger) : IEndpointFilter
{

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        // The token endpoint answers in the OAuth dialect (RFC 6749 §5.2), refusals made here included (R101).
        var oauth = http.GetEndpoint()?.Metadata.GetMetadata<OAuthErrorDialect>() is not null;
        var read = await OcmApi.ReadBodyAsync(http.Request, http.RequestAborted);
        if (read.Failure is not null)
        {
            return oauth ? OAuthErrors.Result(OAuthErrorCodes.InvalidRequest, read.Problem ?? "the request body cannot be read") : read.Failure;
        }

        var endpoint = http.GetEndpoint()?.DisplayName ?? http.Request.Path.Value ?? "";
        (OcmRequest? Request, IResult? Rejection) outcome;
        try
        {
            outcome = await AuthenticateAsync(http, read.Body!, endpoint);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            throw; // the client went away: the error handler logs it at Debug
        }
        catch (Exception ex)
        {
            // A bug or an unexpected failure below us: the peer still gets an OCM error, the operator the exception.
            Log.VerificationError(logger, ex, endpoint);
            outcome = (null, new Rejection(StatusCodes.Status401Unauthorized, "The request's signature could not be verified."));
        }

        if (outcome.Rejection is not null)
        {
            return oauth && outcome.Rejection is Rejection rejection ? rejection.AsOAuthError() : outcome.Rejection;
        }

        http.Features.Set(outcome.Request!);
        if (outcome.Request!.SignerHost is { } signer)
        {
            // A request the peer provably sent is contact: if our deliveries to it were failing, they go out now.
            peers.HeardFrom(signer);
        }

        return await next(context);
    }

    /// <summary>Status code of a rejection (see the class summary).</summary>
    internal static int StatusFor(SignatureFailure failure) => failure switch
    {
        SignatureFailure.MalformedHeader => StatusCodes.Status400BadRequest,
        SignatureFailure.KeyResolutionFailed => StatusCodes.Status502BadGateway,
        _ => StatusCodes.Status401Unauthorized,
    };

    private async Task<(OcmRequest? Request, IResult? Rejection)> AuthenticateAsync(HttpContext http, byte[] body, string endpoint)
    {
        HttpMessage message;
        try
        {
            message = ToMessage(http, body);
        }
        catch (ArgumentException ex)
        {
            return (null, Reject(endpoint, SignatureScheme.None, SignatureFailure.MalformedHeader, $"the request cannot be read as an HTTP message: {ex.Message}"));
        }

        if (message.Headers.Contains(MessageSignature.SignatureInputField))
        {
            var claimed = ClaimedSigner(body, http.Request.ContentType);
            var verified = await verifier.VerifyAsync(message, claimed, http.RequestAborted);
            if (!verified.IsVerified && verified.Failure == SignatureFailure.UnknownKey && ReshareOwner(body) is { } owner
                && !string.Equals(owner, claimed, StringComparison.OrdinalIgnoreCase))
            {
                // A reshare (OCM §Resharing) names the resharer as sender but is made and signed by the owner's server.
                verified = await verifier.VerifyAsync(message, owner, http.RequestAborted);
            }

            if (verified.IsVerified)
            {
                return (new OcmRequest { Body = body, SignerHost = verified.SignerHost, Scheme = SignatureScheme.Rfc9421, KeyId = verified.KeyId }, null);
            }

            if (verified.Failure == SignatureFailure.UntaggedOcmSignature)
            {
                return (null, Reject(endpoint, SignatureScheme.Rfc9421, verified.Failure,
                    verified.Message + $" An operator who must accept it names {verified.SignerHost ?? "the peer"} in Ocm:Security:UntaggedSignaturePeers."));
            }

            if (verified.Status != OcmVerificationStatus.NotSigned)
            {
                return (null, Reject(endpoint, SignatureScheme.Rfc9421, verified.Failure, verified.Message));
            }

            // Signatures, but none for OCM (e.g. a proxy's own): the request counts as unsigned (OCM §Verification Requirements).
        }
        else if (message.Headers.Contains(MessageSignature.SignatureField) || IsCavageAuthorization(message))
        {
            return await VerifyCavageAsync(http, message, body, endpoint);
        }

        if (options.RequireSignatures)
        {
            return (null, Reject(endpoint, SignatureScheme.None, SignatureFailure.NotSigned, "unsigned request while signatures are required",
                "This server requires HTTP message signatures (criterion must-use-http-sig); the request is not signed."));
        }

        return (new OcmRequest { Body = body }, null);
    }

    /// <summary>
    /// draft-cavage-12 as Nextcloud ≤ 34 signs (the scheme of OCM 1.2): the key is the RSA <c>publicKey</c> in the discovery of the
    /// host named by <c>keyId</c> (or, for a bare key id, of the payload's sender).
    /// </summary>
    private async Task<(OcmRequest? Request, IResult? Rejection)> VerifyCavageAsync(HttpContext http, HttpMessage message, byte[] body, string endpoint)
    {
        string? signerHost = null;
        CavageVerificationResult verified;
        try
        {
            verified = await cavage.VerifyAsync(message, async (keyId, cancellationToken) =>
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
        }
        catch (HttpSignatureException ex)
        {
            return (null, Reject(endpoint, SignatureScheme.Cavage, ex.Failure, ex.Message));
        }
        catch (Exception ex) when (ex is CryptographicException or FormatException or ArgumentException)
        {
            return (null, Reject(endpoint, SignatureScheme.Cavage, SignatureFailure.KeyRejected, $"the publicKey {signerHost} publishes in discovery is unusable: {ex.Message}"));
        }

        if (!verified.IsValid)
        {
            return (null, Reject(endpoint, SignatureScheme.Cavage, verified.Failure, verified.Message));
        }

        // draft-cavage has no replay protection of its own; remember the signature for as long as its Date is accepted.
        var rememberUntil = time.GetUtcNow() + TimeSpan.FromSeconds((2 * options.MaxAgeSeconds) + 1);
        if (!await replay.TryAddAsync(verified.Signature!.Signature, rememberUntil, http.RequestAborted))
        {
            return (null, Reject(endpoint, SignatureScheme.Cavage, SignatureFailure.Replay, $"the signature by '{verified.Signature.KeyId}' was already accepted: replay."));
        }

        return (new OcmRequest { Body = body, SignerHost = signerHost, Scheme = SignatureScheme.Cavage, KeyId = verified.Signature.KeyId }, null);
    }

    private IResult Reject(string endpoint, SignatureScheme scheme, SignatureFailure failure, string reason, string? clientMessage = null)
    {
        Log.Rejected(logger, endpoint, scheme.Label(), failure.ToString(), reason);
        var what = scheme == SignatureScheme.Cavage ? "HTTP signature (draft-cavage)" : "HTTP message signature";
        return new Rejection(StatusFor(failure), clientMessage ?? $"{what} rejected ({failure}): {reason}");
    }

    /// <summary>
    /// A refusal, in the OCM error dialect unless the endpoint asks for the OAuth one: then a header that cannot be read is
    /// <c>invalid_request</c> and every other refusal <c>invalid_client</c> (the client's signature is its authentication).
    /// </summary>
    private sealed class Rejection(int status, string message) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext) => OcmApi.Error(status, message).ExecuteAsync(httpContext);

        public IResult AsOAuthError() => OAuthErrors.Result(
            status == StatusCodes.Status400BadRequest ? OAuthErrorCodes.InvalidRequest : OAuthErrorCodes.InvalidClient, message);
    }

    /// <summary>
    /// The request as the signer saw it: <c>@target-uri</c> is rebuilt from the public URL (scheme and authority) and
    /// the raw request target, so it verifies behind a TLS-terminating reverse proxy too (RFC 9421 §2.2.2: the URI the client used). The
    /// <c>Host</c> the signer saw (draft-cavage covers it) is the public authority as well, whatever a proxy forwarded.
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

        message.Headers.Set("Host", message.Authority!);
        message.Body = body;
        return message;
    }

    private static bool IsCavageAuthorization(HttpMessage message) =>
        message.Headers.GetCombinedValue("Authorization") is { } value && value.StartsWith("Signature ", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The server the payload says it comes from (OCM Appendix B, "Verifying a Signature", step 1): the host of <c>sender</c> (or <c>owner</c>,
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

            // A request-share (OCM 1.4 §Request for a Share) comes from the server of shareWith; its owner is our own user.
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

    /// <summary>
    /// For a share whose <c>owner</c> is on another server than its <c>sender</c> — a reshare, made by the owner's server
    /// for the resharer (OCM §Resharing) — the owner's server, the other server that may have signed it; else null.
    /// </summary>
    internal static string? ReshareOwner(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("sender", out var sender) && sender.ValueKind == JsonValueKind.String
                && root.TryGetProperty("owner", out var owner) && owner.ValueKind == JsonValueKind.String
                && OcmAddress.TryParse(sender.GetString(), out var senderAddress, out _)
                && OcmAddress.TryParse(owner.GetString(), out var ownerAddress, out _)
                && !string.Equals(senderAddress.Authority, ownerAddress.Authority, StringComparison.OrdinalIgnoreCase)
                ? ownerAddress.Authority
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1900, LogLevel.Warning, "Rejected {Endpoint}: {Scheme} signature failure {Failure}: {Reason}")]
        public static partial void Rejected(ILogger logger, string endpoint, string scheme, string failure, string reason);

        [LoggerMessage(1901, LogLevel.Error, "Rejected {Endpoint}: the signature could not be verified because of an unexpected error")]
        public static partial void VerificationError(ILogger logger, Exception exception, string endpoint);
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
