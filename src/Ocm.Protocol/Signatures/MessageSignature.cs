using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>
/// One signature found on a message: a <c>Signature-Input</c> member and the <c>Signature</c> member with the same
/// label (RFC 9421 §4). A member that is present but unusable (wrong shape, bad parameter types, no matching
/// <c>Signature</c>) is still listed, with <see cref="Error"/> saying why, so that a profile can select signatures
/// by their parameters and report precise reasons.
/// </summary>
public sealed class MessageSignature
{
    private static readonly IReadOnlyList<ComponentIdentifier> NoComponents = [];

    private MessageSignature(string label)
    {
        Label = label;
    }

    /// <summary>The field name <c>Signature-Input</c>.</summary>
    public const string SignatureInputField = "Signature-Input";

    /// <summary>The field name <c>Signature</c>.</summary>
    public const string SignatureField = "Signature";

    /// <summary>The label (dictionary key), e.g. <c>sig1</c> or <c>ocm</c>.</summary>
    public string Label { get; }

    /// <summary>The covered components in order (empty when the member is malformed).</summary>
    public IReadOnlyList<ComponentIdentifier> Components { get; private init; } = NoComponents;

    /// <summary>The signature parameters (registered ones read as null when they have the wrong type).</summary>
    public SignatureParameters Parameters { get; private init; } = new();

    /// <summary>The signature bytes from the <c>Signature</c> field (empty when missing).</summary>
    public ReadOnlyMemory<byte> Value { get; private init; }

    /// <summary>
    /// The canonical serialization of the <c>Signature-Input</c> member, used as the value of
    /// <c>@signature-params</c>.
    /// </summary>
    public string SignatureParamsValue { get; private init; } = string.Empty;

    /// <summary>Why this signature cannot be used, or null when it is well-formed.</summary>
    public HttpSignatureException? Error { get; private init; }

    /// <summary>The <c>tag</c> parameter, if a string.</summary>
    public string? Tag => Parameters.Tag;

    /// <summary>The <c>keyid</c> parameter, if a string.</summary>
    public string? KeyId => Parameters.KeyId;

    /// <summary>
    /// Reads every signature of a message from its <c>Signature-Input</c> and <c>Signature</c> fields (all field
    /// lines combined). Returns an empty list when the message has no <c>Signature-Input</c>.
    /// </summary>
    /// <exception cref="HttpSignatureException">A field is not a structured-field dictionary
    /// (<see cref="SignatureFailure.MalformedHeader"/>).</exception>
    public static IReadOnlyList<MessageSignature> ReadAll(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!message.Headers.TryGetCombinedValue(SignatureInputField, out var inputValue))
        {
            if (message.Headers.Contains(SignatureField))
            {
                throw new HttpSignatureException(SignatureFailure.MalformedHeader, "The message has a Signature field but no Signature-Input.");
            }

            return [];
        }

        var inputs = ParseDictionary(SignatureInputField, inputValue);
        var signatures = message.Headers.TryGetCombinedValue(SignatureField, out var signatureValue)
            ? ParseDictionary(SignatureField, signatureValue)
            : new SfDictionary();
        var result = new List<MessageSignature>(inputs.Count);
        foreach (var (label, member) in inputs)
        {
            result.Add(Create(label, member, signatures[label]));
        }

        return result;
    }

    /// <summary>Reads the signature with the given label, or null when there is none.</summary>
    /// <exception cref="HttpSignatureException">A field is not a structured-field dictionary.</exception>
    public static MessageSignature? Read(HttpMessage message, string label) =>
        ReadAll(message).FirstOrDefault(s => string.Equals(s.Label, label, StringComparison.Ordinal));

    /// <summary>Throws <see cref="Error"/> when the signature is unusable.</summary>
    public void ThrowIfInvalid()
    {
        if (Error is not null)
        {
            throw Error;
        }
    }

    internal static MessageSignature Create(string label, SfMember input, SfMember? signature)
    {
        if (input is not SfInnerList list)
        {
            return Broken(label, SignatureFailure.MalformedHeader, $"Signature-Input member '{label}' must be an inner list, not {input}.");
        }

        var components = new List<ComponentIdentifier>(list.Items.Count);
        HttpSignatureException? error = null;
        foreach (var item in list.Items)
        {
            try
            {
                components.Add(ComponentIdentifier.FromItem(item));
            }
            catch (HttpSignatureException ex)
            {
                error ??= new HttpSignatureException(ex.Failure, $"Signature '{label}': {ex.Message}", ex);
            }
        }

        SignatureParameters parameters;
        try
        {
            parameters = SignatureParameters.FromStructuredField(list.Parameters);
        }
        catch (HttpSignatureException ex)
        {
            error ??= new HttpSignatureException(ex.Failure, $"Signature '{label}': {ex.Message}", ex);
            parameters = new SignatureParameters();
            foreach (var (key, parameter) in list.Parameters)
            {
                parameters.Raw.SetUnchecked(key, parameter);
            }
        }

        ReadOnlyMemory<byte> value = default;
        if (signature is null)
        {
            error ??= new HttpSignatureException(SignatureFailure.SignatureNotFound, $"Signature-Input has '{label}' but the Signature field has no such member.");
        }
        else if (signature is not SfItem { Value.Type: SfBareItemType.ByteSequence } item)
        {
            error ??= new HttpSignatureException(SignatureFailure.MalformedHeader, $"Signature member '{label}' must be a byte sequence, not {signature}.");
        }
        else
        {
            value = item.Value.ByteSequenceValue;
        }

        return new MessageSignature(label)
        {
            Components = components,
            Parameters = parameters,
            Value = value,
            SignatureParamsValue = StructuredField.Serialize(list),
            Error = error,
        };
    }

    private static MessageSignature Broken(string label, SignatureFailure failure, string message) =>
        new(label) { Error = new HttpSignatureException(failure, message) };

    private static SfDictionary ParseDictionary(string field, string value)
    {
        try
        {
            return StructuredField.ParseDictionary(value);
        }
        catch (StructuredFieldException ex)
        {
            throw new HttpSignatureException(SignatureFailure.MalformedHeader, $"{field} is not a structured-field dictionary: {ex.Message}", ex);
        }
    }
}
