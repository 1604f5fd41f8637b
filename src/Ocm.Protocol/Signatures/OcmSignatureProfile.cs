namespace Ocm.Protocol.Signatures;

/// <summary>
/// Constants and helpers of the OCM profile of RFC 9421 (OCM §HTTP Message Signatures): <c>tag="ocm"</c>, the covered components
/// <c>@method @target-uri content-digest content-length</c> (the last two when there is a body), <c>created</c> and
/// <c>keyid</c> required, <c>alg</c> optional, asymmetric keys only.
/// </summary>
public static class OcmSignatureProfile
{
    /// <summary>The <c>tag</c> parameter value that marks the OCM signature.</summary>
    public const string Tag = "ocm";

    /// <summary>The label Nextcloud and -05 style peers use (the label is otherwise free).</summary>
    public const string DefaultLabel = "ocm";

    /// <summary>Components every OCM signature covers.</summary>
    public static IReadOnlyList<ComponentIdentifier> RequiredComponents { get; } = [ComponentIdentifier.Method, ComponentIdentifier.TargetUri];

    /// <summary>Components an OCM signature covers in addition when the request has a body.</summary>
    public static IReadOnlyList<ComponentIdentifier> RequiredBodyComponents { get; } = [ComponentIdentifier.ContentDigest, ComponentIdentifier.ContentLength];

    /// <summary>
    /// The host named by a key id, if it has one: the authority of a URL-shaped kid
    /// (<c>https://host/ocm#key-1</c>, Nextcloud) or the part before <c>#</c> (<c>host#key1</c>, spec examples).
    /// Verification uses it only as a last resort to find the signer.
    /// </summary>
    public static bool TryGetKeyIdHost(string? keyId, out string host)
    {
        host = string.Empty;
        if (string.IsNullOrEmpty(keyId))
        {
            return false;
        }

        if (Uri.TryCreate(keyId, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.Host.Length > 0)
        {
            host = uri.IsDefaultPort ? uri.IdnHost : uri.Authority;
            return true;
        }

        var hash = keyId.IndexOf('#', StringComparison.Ordinal);
        if (hash <= 0)
        {
            return false;
        }

        var candidate = keyId[..hash];
        if (candidate.AsSpan().IndexOfAny("/@ ?") >= 0 || (!candidate.Contains('.', StringComparison.Ordinal) && !candidate.Contains(':', StringComparison.Ordinal)))
        {
            return false;
        }

        host = Messages.AsciiCase.Lower(candidate);
        return true;
    }
}
