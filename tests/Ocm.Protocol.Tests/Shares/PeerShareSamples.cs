namespace Ocm.Protocol.Tests.Shares;

/// <summary>
/// Share Creation Notifications as each peer family sends them, written by us from what each family is known to
/// send (not copied from any implementation). All describe the same share: alice@files.example.net shares
/// report.pdf (id 42, secret s3cr3t) with bob@recv.example.com.
/// </summary>
internal static class PeerShareSamples
{
    /// <summary>OCM 1.4 strict (ocmgo): multi + webdav object with requirements.</summary>
    public const string Ocm14 = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "ownerDisplayName": "Alice", "senderDisplayName": "Alice",
          "shareType": "user", "resourceType": "file", "expiration": 1798761600,
          "protocol": { "name": "multi",
            "webdav": { "uri": "https://files.example.net/dav/ocm/42", "sharedSecret": "s3cr3t",
                        "permissions": ["read"], "requirements": ["must-exchange-token"] } }
        }
        """;

    /// <summary>Nextcloud (1.0-proposal1 names next to spec ones, legacy options, numeric providerId, scheme in shareWith).</summary>
    public const string Nextcloud = """
        {
          "shareWith": "bob@https://recv.example.com", "name": "report.pdf", "description": "",
          "providerId": 42,
          "owner": "alice@files.example.net", "ownerDisplayName": "Alice",
          "sender": "alice@files.example.net", "senderDisplayName": "Alice",
          "sharedBy": "alice@files.example.net", "sharedByDisplayName": "Alice",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "webdav",
            "options": { "sharedSecret": "s3cr3t", "permissions": "{http://open-cloud-mesh.org/ns}share-permissions" } }
        }
        """;

    /// <summary>An old Nextcloud / Seafile-via-WebDAV reader's world: only sharedBy names, owner with scheme and slash.</summary>
    public const string SharedByOnly = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@https://files.example.net/",
          "sharedBy": "alice@files.example.net", "sharedByDisplayName": "Alice",
          "owner_display_name": "Alice",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "webdav", "options": { "sharedSecret": "s3cr3t" } }
        }
        """;

    /// <summary>ownCloud 10: legacy options with the secret only, sender but no display names.</summary>
    public const string OwnCloud10 = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "webdav", "options": { "sharedSecret": "s3cr3t" } }
        }
        """;

    /// <summary>cs3org reva / CERNBox: multi + empty options + absolute webdav uri with accessTypes.</summary>
    public const string Reva = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "ownerDisplayName": "Alice", "senderDisplayName": "Alice",
          "shareType": "user", "resourceType": "file", "expiration": 1798761600,
          "protocol": { "name": "multi", "options": {},
            "webdav": { "uri": "https://files.example.net/dav/ocm/42", "sharedSecret": "s3cr3t",
                        "permissions": ["read"], "requirements": ["must-exchange-token"], "accessTypes": ["remote"] } }
        }
        """;

    /// <summary>oCIS: `url` instead of `uri`, legacy webapp (uriTemplate/viewMode) and datatx objects.</summary>
    public const string Ocis = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "multi", "options": {},
            "webdav": { "url": "https://files.example.net/dav/ocm/42", "sharedSecret": "s3cr3t", "permissions": ["read"] },
            "webapp": { "uriTemplate": "https://files.example.net/app/{relative-path-to-shared-resource}", "viewMode": "read" },
            "datatx": { "srcUri": "https://files.example.net/dav/ocm/42", "size": 1024 } }
        }
        """;

    /// <summary>OpenCloud: `uri`, addresses with scheme and duplicated host suffix (opencloud-eu/opencloud#3262).</summary>
    public const string OpenCloud = """
        {
          "shareWith": "bob@https://recv.example.com@recv.example.com",
          "name": "report.pdf", "providerId": "42",
          "owner": "alice@https://files.example.net@files.example.net",
          "sender": "alice@https://files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "multi",
            "webdav": { "uri": "https://files.example.net/dav/ocm/42", "sharedSecret": "s3cr3t", "permissions": ["read"] } }
        }
        """;

    /// <summary>The ocm-stub: both options and an upper-case `URI` webdav member; secret only in options.</summary>
    public const string Stub = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "webdav",
            "options": { "sharedSecret": "s3cr3t" },
            "webdav": { "URI": "https://files.example.net/dav/ocm/42" } }
        }
        """;

    /// <summary>A protocol object without `name` (Option 2/3 with the name left out, which the spec calls the default).</summary>
    public const string NoProtocolName = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "webdav": { "uri": "42", "sharedSecret": "s3cr3t" } }
        }
        """;

    /// <summary>The reported 1.5 shape: extra senderDomain / encryption members that 1.4 ignores [1.5?].</summary>
    public const string Ocm15Extras = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "senderDomain": "files.example.net", "encryption": { "scheme": "mls" }, "meshProvider": "files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "multi",
            "webdav": { "uri": "42", "sharedSecret": "s3cr3t", "permissions": ["read"] } }
        }
        """;

    /// <summary>1.4 multi-protocol: webdav + webapp + ssh + an unknown protocol.</summary>
    public const string MultiProtocol = """
        {
          "shareWith": "bob@recv.example.com", "name": "report.pdf", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "shareType": "user", "resourceType": "file",
          "protocol": { "name": "multi",
            "webdav": { "uri": "https://files.example.net/dav/ocm/42", "sharedSecret": "s3cr3t",
                        "permissions": ["read", "write"], "requirements": ["must-exchange-token"] },
            "webapp": { "uri": "https://apps.example.net/editor/42", "sharedSecret": "s3cr3t",
                        "targets": ["blank"], "permissions": ["write"], "requirements": ["must-exchange-token"],
                        "appName": "Editor", "appIconHint": "text/markdown", "mediaTypes": ["text/markdown"] },
            "ssh": { "uri": "ocm42@files.example.net:22/report.pdf", "accessTypes": ["datatx"] },
            "talk": { "roomId": "r-1" } }
        }
        """;

    /// <summary>Seafile ↔ Seafile: its own protocol name in the legacy form.</summary>
    public const string SeafileApi = """
        {
          "shareWith": "bob@recv.example.com", "name": "Library", "providerId": "42",
          "owner": "alice@files.example.net", "sender": "alice@files.example.net",
          "shareType": "user", "resourceType": "library",
          "protocol": { "name": "Seafile API",
            "options": { "sharedSecret": "s3cr3t", "permissions": ["r"], "repoId": "abc", "seafileServiceURL": "https://files.example.net" } }
        }
        """;
}
