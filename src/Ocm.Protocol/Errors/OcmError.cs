using System.Text.Json.Serialization;

namespace Ocm.Protocol.Errors;

/// <summary>
/// The OCM error body (the <c>Error</c> schema of the OCM OpenAPI document): <c>{"message": "...", "validationErrors": [{"name", "message"}]}</c>.
/// </summary>
public sealed record OcmError
{
    /// <summary>Machine- and human-readable reason, UPPER_SNAKE style (e.g. <c>INVALID_PARAMETERS</c>).</summary>
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    /// <summary>One entry per offending field; only present on 400 answers.</summary>
    [JsonPropertyName("validationErrors")]
    public IReadOnlyList<OcmValidationError>? ValidationErrors { get; init; }

    /// <summary>
    /// Whether the problem is an invalid request (HTTP 400) or a request the receiver does not support (HTTP 501).
    /// Not part of the wire format.
    /// </summary>
    [JsonIgnore]
    public OcmErrorKind Kind { get; init; } = OcmErrorKind.Invalid;
}

/// <summary>One offending field of an OCM request.</summary>
public sealed record OcmValidationError
{
    /// <summary>One entry of <c>validationErrors</c>.</summary>
    /// <param name="name">The field, as a dotted path of spec names (e.g. <c>protocol.webdav.sharedSecret</c>).</param>
    /// <param name="message">Machine-readable reason (see <see cref="Validation.ValidationMessages"/>).</param>
    /// <param name="kind">Invalid (400) or unsupported (501).</param>
    public OcmValidationError(string name, string message, OcmErrorKind kind = OcmErrorKind.Invalid)
    {
        Name = name;
        Message = message;
        Kind = kind;
    }

    /// <summary>The offending field as a dotted path of spec names.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; }

    /// <summary>
    /// <c>message</c>: why the field was refused, as an upper-snake constant such as <c>NOT_FOUND</c> (see
    /// <see cref="Validation.ValidationMessages"/>).
    /// </summary>
    [JsonPropertyName("message")]
    public string Message { get; init; }

    /// <summary>Invalid (400) or unsupported (501). Not part of the wire format.</summary>
    [JsonIgnore]
    public OcmErrorKind Kind { get; init; }
}

/// <summary>Distinguishes a malformed request from a well-formed one this receiver cannot honour.</summary>
public enum OcmErrorKind
{
    /// <summary>Malformed, missing or wrong-typed data: answer 400 with <c>validationErrors</c>.</summary>
    Invalid = 0,

    /// <summary>Well-formed but naming a resource type, share type, protocol or requirement the receiver does not support: answer 501.</summary>
    Unsupported = 1,
}
