using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Ocm.Protocol.Discovery;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Invites;
using Ocm.Protocol.Notifications;
using Ocm.Protocol.RequestShares;
using Ocm.Protocol.Shares;
using Ocm.Protocol.Tokens;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Json;

/// <summary>
/// Reads OCM payloads leniently (every dialect deployed peers send, into one normalized model) and writes them
/// strictly (exactly OCM 1.4, unless a legacy dialect is asked for).
/// </summary>
/// <remarks>
/// <para><c>ReadX</c> methods return the model or throw <see cref="OcmFormatException"/>, whose
/// <see cref="OcmFormatException.Error"/> is the OCM error body to answer with. <c>ValidateX</c> methods never
/// throw for bad input: they return an <see cref="OcmReadResult{T}"/> that tells valid (use the value), invalid
/// (answer 400) and unsupported (answer 501) apart and names every offending field at once.</para>
/// <para>Input is bounded: at most <see cref="MaxInputBytes"/> bytes and <see cref="MaxDepth"/> levels of
/// nesting; duplicate member names are rejected.</para>
/// </remarks>
public static class OcmJson
{
    /// <summary>Maximum nesting depth of accepted JSON (OCM payloads need fewer than 6 levels).</summary>
    public const int MaxDepth = 32;

    /// <summary>Maximum accepted body size, 1 MiB (Nextcloud caps signed bodies at 50 000 bytes).</summary>
    public const int MaxInputBytes = 1024 * 1024;

    // ---- Discovery ----

    /// <summary>Reads a discovery document (OCM §OCM API Discovery › Fields) in any dialect. Throws only for malformed JSON or a non-object body.</summary>
    public static DiscoveryDocument ReadDiscovery(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        return ReadDiscovery(document.RootElement);
    }

    /// <summary>Reads a discovery document from a stream (bounded by <see cref="MaxInputBytes"/>).</summary>
    public static async ValueTask<DiscoveryDocument> ReadDiscoveryAsync(Stream utf8Json, CancellationToken cancellationToken = default)
    {
        using var document = await JsonInput.ParseAsync(utf8Json, cancellationToken);
        return ReadDiscovery(document.RootElement);
    }

    /// <summary>Reads a discovery document from an already parsed element.</summary>
    public static DiscoveryDocument ReadDiscovery(JsonElement root)
    {
        JsonInput.RequireObject(root);
        return DiscoveryReader.Read(root);
    }

    // ---- Shares ----

    /// <summary>Reads and validates a Share Creation Notification (OCM §Share Creation Notification), or throws <see cref="OcmFormatException"/> (400 or 501 kind).</summary>
    public static NewShare ReadShare(ReadOnlySpan<byte> utf8Json, ShareValidationOptions? options = null) =>
        ValidateShare(utf8Json, options).GetValueOrThrow();

    /// <inheritdoc cref="ReadShare(ReadOnlySpan{byte}, ShareValidationOptions?)"/>
    public static async ValueTask<NewShare> ReadShareAsync(Stream utf8Json, ShareValidationOptions? options = null, CancellationToken cancellationToken = default) =>
        (await ValidateShareAsync(utf8Json, options, cancellationToken)).GetValueOrThrow();

    /// <summary>Reads and validates a Share Creation Notification, reporting every problem (OCM §Share Creation Notification › Fields).</summary>
    public static OcmReadResult<NewShare> ValidateShare(ReadOnlySpan<byte> utf8Json, ShareValidationOptions? options = null) =>
        Validate(utf8Json, root => ShareReader.Read(root, options ?? ShareValidationOptions.Default));

    /// <inheritdoc cref="ValidateShare(ReadOnlySpan{byte}, ShareValidationOptions?)"/>
    public static ValueTask<OcmReadResult<NewShare>> ValidateShareAsync(Stream utf8Json, ShareValidationOptions? options = null, CancellationToken cancellationToken = default) =>
        ValidateAsync(utf8Json, root => ShareReader.Read(root, options ?? ShareValidationOptions.Default), cancellationToken);

    /// <summary>Reads the 201 answer to a share (OCM §Share Creation Notification › Response); tolerant of missing or extra members.</summary>
    public static ShareCreatedResponse ReadShareCreatedResponse(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        JsonInput.RequireObject(document.RootElement);
        var o = new JsonObjectReader(document.RootElement, string.Empty, new ValidationCollector());
        return new ShareCreatedResponse
        {
            RecipientDisplayName = o.LenientString("recipientDisplayName"),
            RecipientPublicKeys = o.LenientStringList("recipientPublicKeys"),
        };
    }

    // ---- Notifications ----

    /// <summary>Reads and validates a notification (OCM §Share Acceptance Notification), or throws <see cref="OcmFormatException"/>.</summary>
    public static NewNotification ReadNotification(ReadOnlySpan<byte> utf8Json) => ValidateNotification(utf8Json).GetValueOrThrow();

    /// <inheritdoc cref="ReadNotification(ReadOnlySpan{byte})"/>
    public static async ValueTask<NewNotification> ReadNotificationAsync(Stream utf8Json, CancellationToken cancellationToken = default) =>
        (await ValidateNotificationAsync(utf8Json, cancellationToken)).GetValueOrThrow();

    /// <summary>Reads and validates a notification, reporting every problem.</summary>
    public static OcmReadResult<NewNotification> ValidateNotification(ReadOnlySpan<byte> utf8Json) =>
        Validate(utf8Json, NotificationReader.Read);

    /// <inheritdoc cref="ValidateNotification(ReadOnlySpan{byte})"/>
    public static ValueTask<OcmReadResult<NewNotification>> ValidateNotificationAsync(Stream utf8Json, CancellationToken cancellationToken = default) =>
        ValidateAsync(utf8Json, NotificationReader.Read, cancellationToken);

    // ---- Invites ----

    /// <summary>Reads and validates an invite acceptance (OCM §Invite Flow › Invite Acceptance Request Details), or throws <see cref="OcmFormatException"/>.</summary>
    public static AcceptedInvite ReadInviteAccepted(ReadOnlySpan<byte> utf8Json) => ValidateInviteAccepted(utf8Json).GetValueOrThrow();

    /// <inheritdoc cref="ReadInviteAccepted(ReadOnlySpan{byte})"/>
    public static async ValueTask<AcceptedInvite> ReadInviteAcceptedAsync(Stream utf8Json, CancellationToken cancellationToken = default) =>
        (await ValidateInviteAcceptedAsync(utf8Json, cancellationToken)).GetValueOrThrow();

    /// <summary>Reads and validates an invite acceptance, reporting every problem.</summary>
    public static OcmReadResult<AcceptedInvite> ValidateInviteAccepted(ReadOnlySpan<byte> utf8Json) =>
        Validate(utf8Json, InviteReader.ReadAccepted);

    /// <inheritdoc cref="ValidateInviteAccepted(ReadOnlySpan{byte})"/>
    public static ValueTask<OcmReadResult<AcceptedInvite>> ValidateInviteAcceptedAsync(Stream utf8Json, CancellationToken cancellationToken = default) =>
        ValidateAsync(utf8Json, InviteReader.ReadAccepted, cancellationToken);

    /// <summary>Reads the answer to an invite acceptance (a numeric <c>userID</c> is accepted).</summary>
    public static AcceptedInviteResponse ReadInviteAcceptedResponse(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        JsonInput.RequireObject(document.RootElement);
        return InviteReader.ReadResponse(document.RootElement);
    }

    // ---- Request share ----

    /// <summary>Reads and validates a request-share body (OCM §Request for a Share), or throws <see cref="OcmFormatException"/>.</summary>
    public static RequestShare ReadRequestShare(ReadOnlySpan<byte> utf8Json) => ValidateRequestShare(utf8Json).GetValueOrThrow();

    /// <summary>Reads and validates a request-share body, reporting every problem.</summary>
    public static OcmReadResult<RequestShare> ValidateRequestShare(ReadOnlySpan<byte> utf8Json) =>
        Validate(utf8Json, RequestShareReader.Read);

    /// <inheritdoc cref="ValidateRequestShare(ReadOnlySpan{byte})"/>
    public static ValueTask<OcmReadResult<RequestShare>> ValidateRequestShareAsync(Stream utf8Json, CancellationToken cancellationToken = default) =>
        ValidateAsync(utf8Json, RequestShareReader.Read, cancellationToken);

    // ---- Tokens ----

    /// <summary>Reads a token endpoint's 200 answer (OCM §Code Flow › Token Response).</summary>
    public static TokenResponse ReadTokenResponse(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        JsonInput.RequireObject(document.RootElement);
        return TokenReader.ReadResponse(document.RootElement);
    }

    /// <summary>Reads a token endpoint's OAuth error body (OCM §Code Flow › Error Responses).</summary>
    public static OAuthError ReadOAuthError(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        JsonInput.RequireObject(document.RootElement);
        return TokenReader.ReadOAuthError(document.RootElement);
    }

    /// <summary>[legacy 1.2] Reads a token request sent as JSON instead of a form (as OCM 1.2 did).</summary>
    public static TokenRequest ReadLegacyTokenRequest(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        JsonInput.RequireObject(document.RootElement);
        return TokenReader.ReadLegacyJsonRequest(document.RootElement);
    }

    // ---- Errors ----

    /// <summary>Reads a peer's error body in any of the dialects peers use (see <see cref="Errors.OcmError"/>).</summary>
    public static OcmError ReadError(ReadOnlySpan<byte> utf8Json)
    {
        using var document = JsonInput.Parse(utf8Json);
        JsonInput.RequireObject(document.RootElement);
        return OcmErrorReader.Read(document.RootElement);
    }

    // ---- Writing ----

    /// <summary>Writes a discovery document (the body of <c>/.well-known/ocm</c>) as strict 1.4 JSON, UTF-8 without BOM.</summary>
    public static byte[] Write(DiscoveryDocument document) => Serialize(document, OcmJsonContext.Default.DiscoveryDocument);

    /// <summary>Writes a share in the requested dialect (default: exactly OCM 1.4).</summary>
    public static byte[] Write(NewShare share, ShareDialect dialect = ShareDialect.Ocm14) => ShareWriter.Write(share, dialect);

    /// <summary>Writes the 201 answer to a share.</summary>
    public static byte[] Write(ShareCreatedResponse response) => Serialize(response, OcmJsonContext.Default.ShareCreatedResponse);

    /// <summary>Writes the body of <c>POST {endPoint}/notifications</c>; members that are null are left out.</summary>
    public static byte[] Write(NewNotification notification) => Serialize(notification, OcmJsonContext.Default.NewNotification);

    /// <summary>
    /// Writes an invite acceptance. With <paramref name="alsoWriteLegacyUserId"/> the id is sent as both
    /// <c>userID</c> and <c>userId</c>, which older Nextcloud servers bind.
    /// </summary>
    public static byte[] Write(AcceptedInvite invite, bool alsoWriteLegacyUserId = false)
    {
        if (!alsoWriteLegacyUserId)
        {
            return Serialize(invite, OcmJsonContext.Default.AcceptedInvite);
        }

        var node = JsonSerializer.SerializeToNode(invite, OcmJsonContext.Default.AcceptedInvite)!.AsObject();
        node["userId"] = invite.UserId;
        return ShareWriter.JsonNodeBytes(node);
    }

    /// <summary>Writes the answer to an invite acceptance.</summary>
    public static byte[] Write(AcceptedInviteResponse response) => Serialize(response, OcmJsonContext.Default.AcceptedInviteResponse);

    /// <summary>Writes the body of <c>POST {endPoint}/request-share</c> (<c>owner</c>, <c>shareWith</c>, <c>share</c>).</summary>
    public static byte[] Write(RequestShare request) => Serialize(request, OcmJsonContext.Default.RequestShare);

    /// <summary>Writes the token endpoint's 200 body (<c>access_token</c>, <c>token_type</c>, <c>expires_in</c>; never a refresh token).</summary>
    public static byte[] Write(TokenResponse response) => Serialize(response, OcmJsonContext.Default.TokenResponse);

    /// <summary>Writes the token endpoint's 400 body, <c>{"error": …}</c> with one of the OAuth codes OCM permits.</summary>
    public static byte[] Write(OAuthError error) => Serialize(error, OcmJsonContext.Default.OAuthError);

    /// <summary>Writes an OCM error body, <c>{"message", "validationErrors"}</c>; without validation errors only <c>message</c> is written.</summary>
    public static byte[] Write(OcmError error) => Serialize(error, OcmJsonContext.Default.OcmError);

    /// <summary>Writes any OCM wire type known to <see cref="OcmJsonContext"/> to a stream (strict 1.4 form).</summary>
    /// <exception cref="ArgumentException"><typeparamref name="T"/> is unknown to <see cref="OcmJsonContext"/>.</exception>
    public static Task WriteAsync<T>(Stream utf8Json, T value, CancellationToken cancellationToken = default)
    {
        var info = OcmJsonContext.Default.GetTypeInfo(typeof(T)) as JsonTypeInfo<T>
            ?? throw new ArgumentException(typeof(T).Name + " is not an OCM wire type.", nameof(value));
        return JsonSerializer.SerializeAsync(utf8Json, value, info, cancellationToken);
    }

    /// <summary>Writes a share in the requested dialect to a stream.</summary>
    public static Task WriteAsync(Stream utf8Json, NewShare share, ShareDialect dialect, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        return utf8Json.WriteAsync(Write(share, dialect), cancellationToken).AsTask();
    }

    private static byte[] Serialize<T>(T value, JsonTypeInfo<T> info)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonSerializer.SerializeToUtf8Bytes(value, info);
    }

    private static OcmReadResult<T> Validate<T>(ReadOnlySpan<byte> utf8Json, Func<JsonElement, OcmReadResult<T>> map)
        where T : class
    {
        try
        {
            using var document = JsonInput.Parse(utf8Json);
            JsonInput.RequireObject(document.RootElement);
            return map(document.RootElement);
        }
        catch (OcmFormatException ex)
        {
            return OcmReadResult<T>.Failed(ex.Error);
        }
    }

    private static async ValueTask<OcmReadResult<T>> ValidateAsync<T>(
        Stream utf8Json,
        Func<JsonElement, OcmReadResult<T>> map,
        CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            using var document = await JsonInput.ParseAsync(utf8Json, cancellationToken);
            JsonInput.RequireObject(document.RootElement);
            return map(document.RootElement);
        }
        catch (OcmFormatException ex)
        {
            return OcmReadResult<T>.Failed(ex.Error);
        }
    }
}
