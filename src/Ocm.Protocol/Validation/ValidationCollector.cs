using Ocm.Protocol.Errors;

namespace Ocm.Protocol.Validation;

/// <summary>
/// Collects validation errors so that one pass reports every offending field (house style: "a validator reports
/// all errors at once"). Keeps the first error per field name: a missing field is not reported again as invalid.
/// </summary>
internal sealed class ValidationCollector
{
    private readonly List<OcmValidationError> _errors = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    public bool HasErrors => _errors.Count > 0;

    public IReadOnlyList<OcmValidationError> Errors => _errors;

    public bool Has(string name) => _names.Contains(name);

    public bool HasUnder(string prefix) =>
        _names.Any(n => n == prefix || n.StartsWith(prefix + ".", StringComparison.Ordinal));

    public void Invalid(string name, string message) => Add(new OcmValidationError(name, message));

    public void Unsupported(string name, string message) =>
        Add(new OcmValidationError(name, message, OcmErrorKind.Unsupported));

    public void Add(OcmValidationError error)
    {
        if (_names.Add(error.Name))
        {
            _errors.Add(error);
        }
    }

    public OcmError ToError() => BuildError(_errors);

    public OcmValidationResult ToResult() => new() { Errors = _errors.ToArray() };

    internal static OcmError BuildError(IReadOnlyList<OcmValidationError> errors)
    {
        // Any invalid field makes the whole request a 400; only a clean-but-unsupported request is a 501.
        var unsupportedOnly = errors.Count > 0 && errors.All(e => e.Kind == OcmErrorKind.Unsupported);
        return new OcmError
        {
            Message = unsupportedOnly ? ValidationMessages.NotImplemented : ValidationMessages.InvalidParameters,
            ValidationErrors = errors.ToArray(),
            Kind = unsupportedOnly ? OcmErrorKind.Unsupported : OcmErrorKind.Invalid,
        };
    }
}
