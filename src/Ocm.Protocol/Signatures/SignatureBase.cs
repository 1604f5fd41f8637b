using System.Text;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>One line of a signature base: the component identifier and its value.</summary>
/// <param name="Component">The covered component.</param>
/// <param name="Value">Its canonical value.</param>
public readonly record struct SignatureBaseLine(ComponentIdentifier Component, string Value);

/// <summary>
/// The signature base of RFC 9421 §2.5: one line <c>"component": value</c> per covered component, then
/// <c>"@signature-params": (…);params</c>, joined by LF without a trailing LF. This is the exact byte string that is
/// signed, and what <c>ocm sig base</c> prints for operators.
/// </summary>
public sealed class SignatureBase
{
    private byte[]? _bytes;

    private SignatureBase(IReadOnlyList<SignatureBaseLine> lines, string signatureParams, string text)
    {
        Lines = lines;
        SignatureParams = signatureParams;
        Text = text;
    }

    /// <summary>The component lines (without the final <c>@signature-params</c> line).</summary>
    public IReadOnlyList<SignatureBaseLine> Lines { get; }

    /// <summary>The value of <c>@signature-params</c>, identical to the member value in <c>Signature-Input</c>.</summary>
    public string SignatureParams { get; }

    /// <summary>The whole base as text.</summary>
    public string Text { get; }

    /// <summary>
    /// Builds the base for the given components and parameters (RFC 9421 §2.5).
    /// </summary>
    /// <exception cref="HttpSignatureException">A component is invalid (<see cref="SignatureFailure.InvalidComponent"/>),
    /// absent (<see cref="SignatureFailure.MissingComponent"/>) or listed twice.</exception>
    public static SignatureBase Create(HttpMessage message, IEnumerable<ComponentIdentifier> components, SignatureParameters parameters, SignatureBaseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(components);
        ArgumentNullException.ThrowIfNull(parameters);
        var list = components as IReadOnlyList<ComponentIdentifier> ?? [.. components];
        return Build(message, list, SerializeSignatureParams(list, parameters.Raw), options ?? SignatureBaseOptions.Default);
    }

    /// <summary>Rebuilds the base of a received signature, for verification or for debugging.</summary>
    /// <exception cref="HttpSignatureException">The signature is malformed or a component cannot be computed.</exception>
    public static SignatureBase Create(HttpMessage message, MessageSignature signature, SignatureBaseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        signature.ThrowIfInvalid();
        return Build(message, signature.Components, signature.SignatureParamsValue, options ?? SignatureBaseOptions.Default);
    }

    /// <summary>The base as bytes: every character is one octet (ASCII, or ISO-8859-1 for obs-text in field values).</summary>
    public ReadOnlySpan<byte> GetBytes() => _bytes ??= Encoding.Latin1.GetBytes(Text);

    /// <inheritdoc />
    public override string ToString() => Text;

    internal static string SerializeSignatureParams(IReadOnlyList<ComponentIdentifier> components, SfParameters parameters)
    {
        var sb = new StringBuilder(64 + (components.Count * 20));
        sb.Append('(');
        for (var i = 0; i < components.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }

            sb.Append(components[i].ToString());
        }

        sb.Append(')');
        StructuredField.AppendParameters(sb, parameters);
        return sb.ToString();
    }

    private static SignatureBase Build(HttpMessage message, IReadOnlyList<ComponentIdentifier> components, string signatureParams, SignatureBaseOptions options)
    {
        var lines = new List<SignatureBaseLine>(components.Count + 1);
        for (var i = 0; i < components.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (components[j].Equals(components[i]))
                {
                    throw new HttpSignatureException(SignatureFailure.InvalidComponent, $"Component {components[i]} is covered twice (RFC 9421 §2.5).");
                }
            }

            ComponentValues.Append(lines, message, components[i], options);
        }

        var sb = new StringBuilder(256);
        foreach (var line in lines)
        {
            foreach (var c in line.Value)
            {
                if (c > 0xFF)
                {
                    throw new HttpSignatureException(SignatureFailure.InvalidComponent, $"Component {line.Component} has a character outside ISO-8859-1.");
                }
            }

            sb.Append(line.Component.ToString()).Append(": ").Append(line.Value).Append('\n');
        }

        sb.Append("\"@signature-params\": ").Append(signatureParams);
        return new SignatureBase(lines, signatureParams, sb.ToString());
    }
}
