namespace Ocm.Invites;

/// <summary>Section <c>Ocm:Invites</c>: the invite flow, the WAYF page and its directory services.</summary>
internal sealed record InvitesOptions
{
    public const string Section = "Ocm:Invites";

    /// <summary>Days an invite can be accepted. Default 30 (as Nextcloud's Contacts app).</summary>
    public int ExpiryDays { get; init; } = 30;

    /// <summary>
    /// OCM Directory Services (OCM Appendix C) whose server lists the WAYF page offers. Each list is a
    /// JWS signed with ES256 and verified with the key configured here; unsigned or tampered lists are never shown.
    /// </summary>
    public DirectoryServiceOptions[] DirectoryServices { get; init; } = [];

    /// <summary>Seconds a verified directory list is reused. Default 3600. A failed refresh keeps the last good list.</summary>
    public int DirectoryCacheSeconds { get; init; } = 3600;

    /// <summary>
    /// A directory list signed with <c>ocm directory sign</c> that this server publishes at <c>/directory.jws</c>
    /// (OCM Appendix C), for a federation that runs its directory service with Ocm. Unset: nothing is published.
    /// </summary>
    public string? PublishedDirectoryFile { get; init; }

    public IEnumerable<string> Validate()
    {
        if (ExpiryDays < 1)
        {
            yield return "Ocm:Invites:ExpiryDays must be at least 1.";
        }

        if (DirectoryCacheSeconds < 0)
        {
            yield return "Ocm:Invites:DirectoryCacheSeconds must be 0 or more.";
        }

        if (!string.IsNullOrWhiteSpace(PublishedDirectoryFile))
        {
            if (!File.Exists(PublishedDirectoryFile))
            {
                yield return $"Ocm:Invites:PublishedDirectoryFile: there is no file '{PublishedDirectoryFile}' (make it with 'ocm directory sign').";
            }
            else if (!DirectoryJws.TryReadUnverified(File.ReadAllBytes(PublishedDirectoryFile), out var error))
            {
                yield return $"Ocm:Invites:PublishedDirectoryFile: '{PublishedDirectoryFile}' is not a signed directory list: {error}.";
            }
        }

        for (var i = 0; i < DirectoryServices.Length; i++)
        {
            var service = DirectoryServices[i];
            if (!Uri.TryCreate(service.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
            {
                yield return $"Ocm:Invites:DirectoryServices:{i}:Url must be an absolute https (or, for tests, http) URL.";
            }

            if (!DirectoryServiceKey.TryParse(service.PublicKey, out _, out var error))
            {
                yield return $"Ocm:Invites:DirectoryServices:{i}:PublicKey is not a usable ES256 public key: {error}.";
            }
        }
    }
}

/// <summary>One directory service: where its signed list is and the key it is signed with (distributed out of band).</summary>
internal sealed record DirectoryServiceOptions
{
    /// <summary>URL of the JWS document (anonymous GET).</summary>
    public string Url { get; init; } = "";

    /// <summary>The ES256 (P-256) public key: PEM (<c>-----BEGIN PUBLIC KEY-----</c>), base64 DER (SPKI), or a JWK.</summary>
    public string PublicKey { get; init; } = "";
}
