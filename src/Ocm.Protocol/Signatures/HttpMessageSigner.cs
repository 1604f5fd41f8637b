using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>The outcome of signing: the base that was signed and the two field members to send.</summary>
public sealed class SignatureResult
{
    internal SignatureResult(string label, SignatureBase signatureBase, byte[] signature)
    {
        Label = label;
        Base = signatureBase;
        Signature = signature;
        SignatureInputMember = label + "=" + signatureBase.SignatureParams;
        SignatureMember = label + "=:" + Convert.ToBase64String(signature) + ":";
    }

    /// <summary>The dictionary key both members are sent under (e.g. <c>sig1</c>, or <c>ocm</c> as Nextcloud labels it).</summary>
    public string Label { get; }

    /// <summary>The signature base that was signed.</summary>
    public SignatureBase Base { get; }

    /// <summary>The raw signature bytes (64 for Ed25519 and ECDSA P-256, r‖s; the modulus size for RSA).</summary>
    public ReadOnlyMemory<byte> Signature { get; }

    /// <summary>The <c>Signature-Input</c> member, e.g. <c>sig1=("@method");created=1618884473;keyid="k"</c>.</summary>
    public string SignatureInputMember { get; }

    /// <summary>The <c>Signature</c> member, e.g. <c>sig1=:base64:</c>.</summary>
    public string SignatureMember { get; }
}

/// <summary>
/// General-purpose RFC 9421 signer: builds the signature base of a message for the given components and parameters,
/// signs it and adds the <c>Signature-Input</c> and <c>Signature</c> members. Parameters are used exactly as given,
/// in order (the caller sets <c>created</c>, <c>keyid</c>, <c>alg</c>…); see <c>OcmRequestSigner</c> for the
/// OCM profile.
/// </summary>
public static class HttpMessageSigner
{
    /// <summary>Signs <paramref name="message"/> and appends the signature to its fields.</summary>
    /// <param name="message">The message; its fields receive the new members (existing signatures are kept).</param>
    /// <param name="label">The signature label, a structured-field key such as <c>sig1</c>.</param>
    /// <param name="components">The covered components, in order.</param>
    /// <param name="parameters">The signature parameters, in order.</param>
    /// <param name="key">The private key; its algorithm is used.</param>
    /// <param name="options">Base options (structured field types for <c>sf</c>).</param>
    /// <exception cref="HttpSignatureException">A component cannot be computed, or the label is already used.</exception>
    public static SignatureResult Sign(
        HttpMessage message,
        string label,
        IEnumerable<ComponentIdentifier> components,
        SignatureParameters parameters,
        SigningKey key,
        SignatureBaseOptions? options = null)
    {
        var result = CreateSignature(message, label, components, parameters, key, options);
        AddToMessage(message, result);
        return result;
    }

    /// <summary>Computes a signature without changing the message.</summary>
    public static SignatureResult CreateSignature(
        HttpMessage message,
        string label,
        IEnumerable<ComponentIdentifier> components,
        SignatureParameters parameters,
        SigningKey key,
        SignatureBaseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrEmpty(label) || !SfChars.IsValidKey(label))
        {
            throw new ArgumentException($"'{label}' is not a valid signature label (a lowercase structured-field key).", nameof(label));
        }

        var signatureBase = SignatureBase.Create(message, components, parameters, options);
        return new SignatureResult(label, signatureBase, key.Sign(signatureBase.GetBytes()));
    }

    /// <summary>Appends a computed signature to the message's <c>Signature-Input</c> and <c>Signature</c> fields.</summary>
    /// <exception cref="HttpSignatureException">The label is already used on the message.</exception>
    public static void AddToMessage(HttpMessage message, SignatureResult signature)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        if (MessageSignature.ReadAll(message).Any(s => s.Label == signature.Label))
        {
            throw new HttpSignatureException(SignatureFailure.MalformedHeader, $"The message already has a signature labelled '{signature.Label}'.");
        }

        Append(message, MessageSignature.SignatureInputField, signature.SignatureInputMember);
        Append(message, MessageSignature.SignatureField, signature.SignatureMember);
    }

    private static void Append(HttpMessage message, string field, string member)
    {
        // One field line per dictionary keeps peers that read only the first line working.
        var existing = message.Headers.GetCombinedValue(field);
        message.Headers.Set(field, existing is null ? member : existing + ", " + member);
    }
}
