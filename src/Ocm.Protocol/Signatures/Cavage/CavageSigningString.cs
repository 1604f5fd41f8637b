using System.Globalization;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Signatures.Cavage;

/// <summary>Builds the draft-cavage-12 signing string (§2.3): one <c>name: value</c> line per listed header, LF-separated.</summary>
public static class CavageSigningString
{
    /// <summary>Builds the signing string of <paramref name="message"/> for the given parameters.</summary>
    /// <exception cref="HttpSignatureException">A listed header is absent (<see cref="SignatureFailure.MissingComponent"/>)
    /// or a pseudo-header has no value (<see cref="SignatureFailure.MissingParameter"/>).</exception>
    public static string Build(HttpMessage message, CavageSignatureHeader signature)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signature);
        return Build(message, signature.Headers, signature.KeyId, signature.Algorithm, signature.Created, signature.Expires);
    }

    /// <summary>Builds the signing string from explicit values.</summary>
    public static string Build(HttpMessage message, IReadOnlyList<string> headers, string keyId, string? algorithm, long? created, long? expires)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(headers);
        var lines = new List<string>(headers.Count);
        foreach (var header in headers)
        {
            var name = AsciiCase.Lower(header);
            var value = name switch
            {
                "(request-target)" => RequestTarget(message),
                "(created)" => created?.ToString(CultureInfo.InvariantCulture) ?? throw new HttpSignatureException(SignatureFailure.MissingParameter, "(created) is signed but the created parameter is missing."),
                "(expires)" => expires?.ToString(CultureInfo.InvariantCulture) ?? throw new HttpSignatureException(SignatureFailure.MissingParameter, "(expires) is signed but the expires parameter is missing."),
                "(keyid)" => keyId,
                "(algorithm)" => algorithm ?? throw new HttpSignatureException(SignatureFailure.MissingParameter, "(algorithm) is signed but the algorithm parameter is missing."),
                _ => HeaderValue(message, name),
            };
            lines.Add(name + ": " + value);
        }

        return string.Join('\n', lines);
    }

    // §2.3: "(request-target)" is the lowercased method, a space, and the path and query of the request target.
    private static string RequestTarget(HttpMessage message)
    {
        if (!message.IsRequest)
        {
            throw new HttpSignatureException(SignatureFailure.InvalidComponent, "(request-target) exists only in requests.");
        }

        var target = message.RequestTarget is { } raw && raw.StartsWith('/') ? raw : (message.Path ?? "/") + message.Query;
        return AsciiCase.Lower(message.Method!) + " " + target;
    }

    private static string HeaderValue(HttpMessage message, string name)
    {
        // §2.3: several instances are joined with ", " in order; values are trimmed.
        if (message.Headers.TryGetCombinedValue(name, out var value))
        {
            return value;
        }

        if (name == "host" && message.EffectiveAuthority is { } authority)
        {
            return authority;
        }

        throw new HttpSignatureException(SignatureFailure.MissingComponent, $"Header '{name}' is signed but absent from the request.");
    }
}
