namespace Ocm.Protocol.Validation;

/// <summary>
/// The machine-readable <c>message</c> values this library puts into OCM error bodies (the <c>Error</c> schema of the OCM OpenAPI document:
/// "readable by humans and machines, no special characters").
/// </summary>
public static class ValidationMessages
{
    /// <summary>Top-level message of a 400 answer with <c>validationErrors</c>.</summary>
    public const string InvalidParameters = "INVALID_PARAMETERS";

    /// <summary>Top-level message of a 501 answer.</summary>
    public const string NotImplemented = "NOT_IMPLEMENTED";

    /// <summary>The body is not well-formed JSON (or has duplicate member names).</summary>
    public const string InvalidJson = "INVALID_JSON";

    /// <summary>A string in the body contains the NUL character (<c>\u0000</c>).</summary>
    public const string NulCharacter = "NUL_CHARACTER";

    /// <summary>The body nests deeper than <see cref="Json.OcmJson.MaxDepth"/>.</summary>
    public const string TooDeep = "JSON_TOO_DEEP";

    /// <summary>The body is larger than <see cref="Json.OcmJson.MaxInputBytes"/>.</summary>
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";

    /// <summary>The body is JSON but not an object.</summary>
    public const string ExpectedObjectBody = "BODY_MUST_BE_OBJECT";

    /// <summary>A required field is absent, null or empty.</summary>
    public const string Required = "REQUIRED";

    /// <summary>Wrong JSON type: a string was expected.</summary>
    public const string ExpectedString = "EXPECTED_STRING";

    /// <summary>Wrong JSON type: an integer was expected.</summary>
    public const string ExpectedInteger = "EXPECTED_INTEGER";

    /// <summary>Wrong JSON type: a boolean was expected.</summary>
    public const string ExpectedBoolean = "EXPECTED_BOOLEAN";

    /// <summary>Wrong JSON type: an array of strings was expected.</summary>
    public const string ExpectedStringArray = "EXPECTED_STRING_ARRAY";

    /// <summary>Wrong JSON type: an object was expected.</summary>
    public const string ExpectedObject = "EXPECTED_OBJECT";

    /// <summary>The value is not a valid OCM Address (OCM §Terms, "OCM Address").</summary>
    public const string InvalidOcmAddress = "INVALID_OCM_ADDRESS";

    /// <summary>The value is not an absolute https/http URI.</summary>
    public const string NotAbsoluteUri = "NOT_ABSOLUTE_URI";

    /// <summary>The value is outside the vocabulary the spec defines.</summary>
    public const string InvalidValue = "INVALID_VALUE";

    /// <summary>An array that must not be empty is empty.</summary>
    public const string Empty = "EMPTY";

    /// <summary>An expiration lies in the past.</summary>
    public const string Expired = "EXPIRED";

    /// <summary>A time lies beyond the year 9999 (<see cref="UnixTime.MaxSeconds"/>).</summary>
    public const string TooFarInTheFuture = "TOO_FAR_IN_THE_FUTURE";

    /// <summary>The value is a negative number where only non-negative ones make sense.</summary>
    public const string Negative = "NEGATIVE";

    /// <summary>Unknown or unsupported share type (answer 501).</summary>
    public const string UnsupportedShareType = "UNSUPPORTED_SHARE_TYPE";

    /// <summary>Unknown or unsupported resource type (answer 501).</summary>
    public const string UnsupportedResourceType = "UNSUPPORTED_RESOURCE_TYPE";

    /// <summary>None of the offered protocols is supported (answer 501).</summary>
    public const string UnsupportedProtocol = "UNSUPPORTED_PROTOCOL";

    /// <summary>A requirement the receiver does not understand or cannot honour (answer 501; spec.yaml: MUST reject).</summary>
    public const string UnsupportedRequirement = "UNSUPPORTED_REQUIREMENT";

    /// <summary>The <c>protocol</c> object offers no access method at all.</summary>
    public const string NoAccessMethod = "NO_ACCESS_METHOD";

    /// <summary>The receiver demands <c>must-exchange-token</c> (criterion) but the protocol does not list it (OCM §Share Creation Notification).</summary>
    public const string MissingTokenExchangeRequirement = "MUST_EXCHANGE_TOKEN_REQUIRED";

    /// <summary>A webapp protocol without the mandatory <c>must-exchange-token</c> requirement (OCM §Share Creation Notification › Fields).</summary>
    public const string WebAppRequiresTokenExchange = "WEBAPP_REQUIRES_MUST_EXCHANGE_TOKEN";
}
