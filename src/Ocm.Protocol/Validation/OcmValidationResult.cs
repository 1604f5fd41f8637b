using Ocm.Protocol.Errors;

namespace Ocm.Protocol.Validation;

/// <summary>The result of validating an already built model (e.g. before sending it).</summary>
public sealed record OcmValidationResult
{
    /// <summary>Every problem found; empty when valid.</summary>
    public required IReadOnlyList<OcmValidationError> Errors { get; init; }

    /// <summary>True when nothing was found.</summary>
    public bool IsValid => Errors.Count == 0;

    /// <summary>True when only unsupported (501) problems were found.</summary>
    public bool IsUnsupportedOnly => Errors.Count > 0 && Errors.All(e => e.Kind == OcmErrorKind.Unsupported);

    /// <summary>The OCM error body, or null when valid.</summary>
    public OcmError? ToError() => IsValid ? null : ValidationCollector.BuildError(Errors);
}
