using System.Diagnostics.CodeAnalysis;
using Ocm.Protocol.Errors;

namespace Ocm.Protocol.Validation;

/// <summary>How a received payload fared: usable, invalid (answer 400) or unsupported (answer 501).</summary>
public enum OcmReadOutcome
{
    /// <summary>Read and validated; <see cref="OcmReadResult{T}.Value"/> is set.</summary>
    Valid = 0,

    /// <summary>Malformed or failing validation: answer 400 with <see cref="OcmReadResult{T}.Error"/>.</summary>
    Invalid = 1,

    /// <summary>
    /// Well-formed but naming something this receiver does not support: answer 501 with
    /// <see cref="OcmReadResult{T}.Error"/>. <see cref="OcmReadResult{T}.Value"/> is still set.
    /// </summary>
    Unsupported = 2,
}

/// <summary>The result of reading and validating an OCM payload, with every problem found at once.</summary>
/// <typeparam name="T">The wire model type.</typeparam>
public sealed record OcmReadResult<T>
    where T : class
{
    /// <summary>Valid, invalid or unsupported.</summary>
    public required OcmReadOutcome Outcome { get; init; }

    /// <summary>The normalized model; set when <see cref="Outcome"/> is Valid or Unsupported.</summary>
    public T? Value { get; init; }

    /// <summary>The error body to answer with; set when <see cref="Outcome"/> is not Valid.</summary>
    public OcmError? Error { get; init; }

    /// <summary>True when the payload is usable.</summary>
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsValid => Outcome == OcmReadOutcome.Valid;

    /// <summary>The HTTP status a receiving server should answer with: 200-class (here 0), 400 or 501.</summary>
    public int SuggestedStatusCode => Outcome switch
    {
        OcmReadOutcome.Invalid => 400,
        OcmReadOutcome.Unsupported => 501,
        _ => 0,
    };

    /// <summary>Returns the value or throws <see cref="OcmFormatException"/> carrying <see cref="Error"/>.</summary>
    public T GetValueOrThrow() => IsValid ? Value : throw new OcmFormatException(Error);

    internal static OcmReadResult<T> From(T? value, ValidationCollector errors)
    {
        if (!errors.HasErrors && value is not null)
        {
            return new OcmReadResult<T> { Outcome = OcmReadOutcome.Valid, Value = value };
        }

        var error = errors.ToError();
        return error.Kind == OcmErrorKind.Unsupported && value is not null
            ? new OcmReadResult<T> { Outcome = OcmReadOutcome.Unsupported, Value = value, Error = error }
            : new OcmReadResult<T> { Outcome = OcmReadOutcome.Invalid, Error = error with { Kind = OcmErrorKind.Invalid } };
    }

    internal static OcmReadResult<T> Failed(OcmError error) =>
        new() { Outcome = OcmReadOutcome.Invalid, Error = error };
}
