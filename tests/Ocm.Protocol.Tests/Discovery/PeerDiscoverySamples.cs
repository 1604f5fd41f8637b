namespace Ocm.Protocol.Tests.Discovery;

/// <summary>
/// Discovery documents as each peer family publishes them, written by us from what each family is known to
/// publish (not copied from any implementation).
/// </summary>
internal static class PeerDiscoverySamples
{
    /// <summary>A strict 1.4 document with every field of OCM §OCM API Discovery › Fields, written by us.</summary>
    public const string SpecExample = """
        {
          "enabled": true, "apiVersion": "1.4.0", "endPoint": "https://files.example.net/ocm", "provider": "ExampleFiles",
          "resourceTypes": [
            { "name": "file", "shareTypes": ["user"],
              "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" } } },
            { "name": "folder", "shareTypes": ["user", "group"],
              "protocols": { "webdav": "/dav/ocm/", "webdav-receive": { "uri": "relative" },
                             "webapp": {}, "webapp-receive": { "targets": ["blank"] } } }
          ],
          "capabilities": ["exchange-token", "http-sig", "invites", "notifications", "protocol-object"],
          "criteria": ["must-use-http-sig"],
          "jwksUri": "https://files.example.net/ocm/jwks",
          "tokenEndPoint": "https://files.example.net/ocm/token",
          "inviteAcceptDialog": "/apps/ocm/accept-invite"
        }
        """;

    /// <summary>OpenCloudMesh Go: 1.4.0, strict criteria, relative webdav-receive, no webapp-receive.</summary>
    public const string OcmGo = """
        {
          "enabled": true, "apiVersion": "1.4.0", "endPoint": "https://ocmgo.example/ocm", "provider": "OpenCloudMesh",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"],
              "protocols": { "webdav": "/webdav/ocm/", "webdav-receive": { "uri": "relative" } } } ],
          "capabilities": ["http-sig", "exchange-token", "invites", "notifications", "invite-wayf"],
          "criteria": ["must-use-http-sig", "must-exchange-token", "must-invite"],
          "jwksUri": "https://ocmgo.example/.well-known/jwks.json",
          "tokenEndPoint": "https://ocmgo.example/ocm/token",
          "inviteAcceptDialog": "/ui/accept-invite"
        }
        """;

    /// <summary>cs3org reva / CERNBox: 1.3.0, absolute webdav-receive, code flow enabled, must-invite.</summary>
    public const string Reva = """
        {
          "enabled": true, "apiVersion": "1.3.0", "endPoint": "https://cernbox.example/ocm", "provider": "CERNBox",
          "resourceTypes": [
            { "name": "file", "shareTypes": ["user"],
              "protocols": { "webdav": "/remote.php/dav/ocm/", "webdav-receive": { "uri": "absolute" },
                             "webapp": "/apps/ocm/", "webapp-receive": { "targets": ["blank"] } } },
            { "name": "folder", "shareTypes": ["user"],
              "protocols": { "webdav": "/remote.php/dav/ocm/", "webdav-receive": { "uri": "absolute" } } },
            { "name": "ro-crate", "shareTypes": ["user"], "protocols": { "embedded-receive": {} } }
          ],
          "capabilities": ["invites", "protocol-object", "invite-wayf", "exchange-token"],
          "criteria": ["must-invite"],
          "tokenEndPoint": "https://cernbox.example/ocm/token",
          "inviteAcceptDialog": "/sciencemesh-app/accept"
        }
        """;

    /// <summary>oCIS: 1.2.0, webdav-uri capability, root without trailing slash, endPoint with trailing slash.</summary>
    public const string Ocis = """
        {
          "enabled": true, "apiVersion": "1.2.0", "endPoint": "https://ocis.example/ocm/", "provider": "oCIS",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "/dav/ocm" } } ],
          "capabilities": ["invites", "webdav-uri", "protocol-object"]
        }
        """;

    /// <summary>Nextcloud 28–32: 1.0-proposal1 + private `version`, non-spec capabilities, cavage publicKey, index.php endPoint.</summary>
    public const string Nextcloud = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1", "version": "1.1.0",
          "endPoint": "https://nc.example/index.php/ocm",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user", "group"],
              "protocols": { "webdav": "/public.php/webdav/" } } ],
          "capabilities": ["invite-accepted", "notifications", "shares"],
          "publicKey": { "keyId": "https://nc.example/ocm#signature",
                         "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n" }
        }
        """;

    /// <summary>ownCloud 10: the resource list is under `shareTypes`.</summary>
    public const string OwnCloud10 = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1",
          "endPoint": "https://oc10.example/index.php/apps/federatedfilesharing",
          "shareTypes": [ { "name": "file", "protocols": { "webdav": "/public.php/webdav/" } } ]
        }
        """;

    /// <summary>Seafile ↔ Seafile: single-object resourceTypes, `library`, its own protocol.</summary>
    public const string Seafile = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1", "endPoint": "https://seafile.example/api/v2.1/ocm/",
          "resourceTypes": { "name": "library", "shareTypes": ["user"], "protocols": { "Seafile API": "https://seafile.example/api2/" } }
        }
        """;

    /// <summary>Seafile's receive-only Nextcloud bridge: webdav root without a leading slash.</summary>
    public const string SeafileViaWebDav = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1", "endPoint": "https://seafile.example/ocm-via-webdav",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user"], "protocols": { "webdav": "seafdav" } } ]
        }
        """;

    /// <summary>The ocm-stub: lower-case `endpoint`, bare PEM `publicKey`.</summary>
    public const string Stub = """
        {
          "enabled": true, "apiVersion": "1.0-proposal1", "endpoint": "https://stub.example/ocm",
          "resourceTypes": [ { "name": "file", "shareTypes": ["user", "group"], "protocols": { "webdav": "/webdav-api/" } } ],
          "publicKey": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n"
        }
        """;
}
