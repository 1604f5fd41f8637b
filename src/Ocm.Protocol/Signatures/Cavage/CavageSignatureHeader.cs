using System.Globalization;
using System.Text;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures.Cavage;

/// <summary>
/// The parameters of a draft-cavage-http-signatures-12 signature (§2.1), as sent in a <c>Signature</c> header or an
/// <c>Authorization: Signature …</c> header: <c>keyId</c>, <c>algorithm</c>, <c>created</c>, <c>expires</c>,
/// <c>headers</c> and <c>signature</c>.
/// </summary>
public sealed class CavageSignatureHeader
{
    /// <summary>The <c>keyId</c> parameter (Nextcloud: <c>https://host/ocm#signature</c>).</summary>
    public required string KeyId { get; init; }

    /// <summary>The <c>algorithm</c> parameter as sent (<c>rsa-sha256</c>, <c>rsa-sha512</c>, <c>hs2019</c>…), or null.</summary>
    public string? Algorithm { get; init; }

    /// <summary>The <c>created</c> parameter (Unix seconds).</summary>
    public long? Created { get; init; }

    /// <summary>The <c>expires</c> parameter (Unix seconds).</summary>
    public long? Expires { get; init; }

    /// <summary>
    /// The lowercased <c>headers</c> list. When the parameter is absent: <c>(created)</c> if <c>created</c> is present
    /// (-12 §2.1.6), else <c>date</c> (earlier drafts and the Appendix C default test).
    /// </summary>
    public required IReadOnlyList<string> Headers { get; init; }

    /// <summary>True when the <c>headers</c> parameter was present.</summary>
    public bool HasExplicitHeaders { get; init; }

    /// <summary>The signature bytes.</summary>
    public required ReadOnlyMemory<byte> Signature { get; init; }

    /// <summary>The header name to use: <c>Signature</c> (default) or <c>Authorization</c>.</summary>
    public bool InAuthorizationHeader { get; init; }

    /// <summary>
    /// Reads the signature of a request: the <c>Signature</c> header, else <c>Authorization: Signature …</c>.
    /// Returns null when neither is present.
    /// </summary>
    /// <exception cref="HttpSignatureException">The header is malformed (<see cref="SignatureFailure.MalformedHeader"/>).</exception>
    public static CavageSignatureHeader? Read(HttpMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Headers.TryGetCombinedValue("Signature", out var signature))
        {
            return Parse(signature, inAuthorizationHeader: false);
        }

        if (message.Headers.TryGetCombinedValue("Authorization", out var authorization)
            && authorization.StartsWith("Signature ", StringComparison.OrdinalIgnoreCase))
        {
            return Parse(authorization["Signature ".Length..], inAuthorizationHeader: true);
        }

        return null;
    }

    /// <summary>Parses the parameter list <c>keyId="…",algorithm="…",headers="…",signature="…"</c>.</summary>
    /// <exception cref="HttpSignatureException">The value is malformed.</exception>
    public static CavageSignatureHeader Parse(string value, bool inAuthorizationHeader = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var pos = 0;
        while (pos < value.Length)
        {
            while (pos < value.Length && value[pos] is ' ' or '\t' or ',')
            {
                pos++;
            }

            if (pos >= value.Length)
            {
                break;
            }

            var eq = value.IndexOf('=', pos);
            if (eq < 0)
            {
                throw Malformed($"parameter at character {pos} has no '='");
            }

            var name = value[pos..eq].Trim();
            pos = eq + 1;
            string parameterValue;
            if (pos < value.Length && value[pos] == '"')
            {
                var end = value.IndexOf('"', pos + 1);
                if (end < 0)
                {
                    throw Malformed($"the value of '{name}' is not closed with '\"'");
                }

                parameterValue = value[(pos + 1)..end];
                pos = end + 1;
            }
            else
            {
                // created and expires are unquoted integers (§2.1.4, §2.1.5).
                var end = value.IndexOf(',', pos);
                end = end < 0 ? value.Length : end;
                parameterValue = value[pos..end].Trim();
                pos = end;
            }

            if (!parameters.TryAdd(name, parameterValue))
            {
                throw Malformed($"parameter '{name}' appears twice");
            }
        }

        if (!parameters.TryGetValue("keyId", out var keyId) || keyId.Length == 0)
        {
            throw Malformed("the keyId parameter is missing");
        }

        if (!parameters.TryGetValue("signature", out var signatureText))
        {
            throw Malformed("the signature parameter is missing");
        }

        byte[] signature;
        try
        {
            signature = Convert.FromBase64String(signatureText);
        }
        catch (FormatException ex)
        {
            throw new HttpSignatureException(SignatureFailure.MalformedHeader, "The cavage signature parameter is not base64.", ex);
        }

        var created = ParseTime(parameters, "created");
        var headersGiven = parameters.TryGetValue("headers", out var headersText);
        IReadOnlyList<string> headers = headersGiven
            ? [.. headersText!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(AsciiCase.Lower)]
            : created is null ? ["date"] : ["(created)"];
        if (headers.Count == 0)
        {
            throw Malformed("the headers parameter is empty");
        }

        return new CavageSignatureHeader
        {
            KeyId = keyId,
            Algorithm = parameters.GetValueOrDefault("algorithm"),
            Created = created,
            Expires = ParseTime(parameters, "expires"),
            Headers = headers,
            HasExplicitHeaders = headersGiven,
            Signature = signature,
            InAuthorizationHeader = inAuthorizationHeader,
        };
    }

    /// <summary>The header value (without <c>Signature </c> prefix), parameters in the conventional order.</summary>
    public string ToHeaderValue()
    {
        var sb = new StringBuilder();
        sb.Append("keyId=\"").Append(KeyId).Append('"');
        if (Algorithm is not null)
        {
            sb.Append(",algorithm=\"").Append(Algorithm).Append('"');
        }

        if (Created is { } created)
        {
            sb.Append(",created=").Append(created.ToString(CultureInfo.InvariantCulture));
        }

        if (Expires is { } expires)
        {
            sb.Append(",expires=").Append(expires.ToString(CultureInfo.InvariantCulture));
        }

        if (HasExplicitHeaders)
        {
            sb.Append(",headers=\"").Append(string.Join(' ', Headers)).Append('"');
        }

        sb.Append(",signature=\"").Append(Convert.ToBase64String(Signature.Span)).Append('"');
        return sb.ToString();
    }

    private static long? ParseTime(Dictionary<string, string> parameters, string name)
    {
        if (!parameters.TryGetValue(name, out var text))
        {
            return null;
        }

        // §2.1.4: a decimal point is allowed, sub-second precision ignored.
        var integral = text.Split('.')[0];
        return long.TryParse(integral, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Malformed($"'{name}' is not a Unix timestamp");
    }

    private static HttpSignatureException Malformed(string why) =>
        new(SignatureFailure.MalformedHeader, $"Malformed cavage Signature header: {why}.");
}
