using System.DirectoryServices.Protocols;
using System.Globalization;
using System.Net;
using System.Text;

namespace Ocm.Identity.Ldap;

/// <summary>One user entry as the directory describes it.</summary>
internal sealed record DirectoryUser(string Dn, string Id, string? UserName, string? DisplayName, string? Email, bool DisabledThere)
{
    public IReadOnlyList<string> Groups { get; init; } = [];
}

internal enum DirectoryCheck
{
    /// <summary>The password is the user's: <see cref="DirectoryAuthentication.User"/> is set.</summary>
    Verified,

    /// <summary>No such user, more than one, or a wrong password.</summary>
    Refused,

    /// <summary>The directory did not answer, or refused the service account: nobody can tell.</summary>
    Unavailable,
}

internal readonly record struct DirectoryAuthentication(DirectoryCheck Check, DirectoryUser? User = null);

/// <summary>The directory did not answer (connection refused, timeout) or refused the service account.</summary>
internal sealed class DirectoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Talks to the directory: the service bind, the user search, the bind as the user (RFC 4513 §5.1.3), the group search
/// and the full listing for the sync. <c>System.DirectoryServices.Protocols</c> has no task-based API; its blocking
/// calls run on the thread pool, each bounded by <see cref="LdapOptions.TimeoutSeconds"/>.
/// </summary>
internal sealed partial class LdapDirectory(LdapOptions options, ILogger<LdapDirectory> logger)
{
    // RFC 4511 §4.1.9 result codes (and OpenLDAP client codes) that mean "nobody answered" rather than "no".
    private const int InvalidCredentials = 49;
    private const int SizeLimitExceeded = 4;

    /// <summary>
    /// Whether <paramref name="password"/> is <paramref name="userName"/>'s in the directory. An empty password is
    /// refused without asking: RFC 4513 §5.1.2 makes a simple bind with a name and no password an unauthenticated bind,
    /// which many servers answer with success.
    /// </summary>
    public Task<DirectoryAuthentication> AuthenticateAsync(string userName, string password, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(userName) || string.IsNullOrEmpty(password))
        {
            return Task.FromResult(new DirectoryAuthentication(DirectoryCheck.Refused));
        }

        return Task.Run(() => Authenticate(userName, password), cancellationToken);
    }

    /// <summary>Every user the filter matches (with <c>*</c> for the user name), page by page (RFC 2696).</summary>
    public Task<List<DirectoryUser>> ListUsersAsync(CancellationToken cancellationToken) =>
        Task.Run(() =>
        {
            using var connection = ServiceConnection();
            var users = new List<DirectoryUser>();
            var request = new SearchRequest(options.UserBase, string.Format(CultureInfo.InvariantCulture, options.UserFilter, "*"), SearchScope.Subtree, UserAttributes());
            var paging = new PageResultRequestControl(500);
            request.Controls.Add(paging);
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var response = (SearchResponse)Send(connection, request);
                users.AddRange(response.Entries.Cast<SearchResultEntry>().Select(ToUser).OfType<DirectoryUser>());
                var page = response.Controls.OfType<PageResultResponseControl>().FirstOrDefault();
                if (page is null || page.Cookie.Length == 0)
                {
                    return users;
                }

                paging.Cookie = page.Cookie;
            }
        }, cancellationToken);

    /// <summary>RFC 4515 §3: an assertion value with <c>*</c>, <c>(</c>, <c>)</c>, <c>\</c>, NUL (and other controls) escaped as <c>\XX</c>.</summary>
    public static string EscapeFilterValue(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (byte)'*' or (byte)'(' or (byte)')' or (byte)'\\' or < 0x20 or 0x7f)
            {
                escaped.Append('\\').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (b < 0x80)
            {
                escaped.Append((char)b);
            }
            else
            {
                escaped.Append('\\').Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }
        }

        return escaped.ToString();
    }

    private DirectoryAuthentication Authenticate(string userName, string password)
    {
        try
        {
            using var service = ServiceConnection();
            var filter = string.Format(CultureInfo.InvariantCulture, options.UserFilter, EscapeFilterValue(userName));
            var request = new SearchRequest(options.UserBase, filter, SearchScope.Subtree, UserAttributes()) { SizeLimit = 2 };
            SearchResponse response;
            try
            {
                response = (SearchResponse)Send(service, request);
            }
            catch (DirectoryOperationException ex) when (ex.Response?.ResultCode == ResultCode.SizeLimitExceeded || (int?)ex.Response?.ResultCode == SizeLimitExceeded)
            {
                Log.Ambiguous(logger);
                return new DirectoryAuthentication(DirectoryCheck.Refused);
            }

            if (response.Entries.Count != 1)
            {
                if (response.Entries.Count > 1)
                {
                    Log.Ambiguous(logger);
                }

                return new DirectoryAuthentication(DirectoryCheck.Refused);
            }

            var user = ToUser(response.Entries[0]);
            if (user is null)
            {
                return new DirectoryAuthentication(DirectoryCheck.Refused);
            }

            using (var asUser = Connect())
            {
                try
                {
                    asUser.Bind(new NetworkCredential(user.Dn, password));
                }
                catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
                {
                    return new DirectoryAuthentication(DirectoryCheck.Refused);
                }
            }

            return new DirectoryAuthentication(DirectoryCheck.Verified, user with { Groups = GroupsOf(service, user.Dn) });
        }
        catch (DirectoryUnavailableException ex)
        {
            Log.Unavailable(logger, ex.Message);
            return new DirectoryAuthentication(DirectoryCheck.Unavailable);
        }
        catch (Exception ex) when (ex is LdapException or DirectoryOperationException or TimeoutException or DirectoryException)
        {
            Log.Unavailable(logger, Describe(ex));
            return new DirectoryAuthentication(DirectoryCheck.Unavailable);
        }
    }

    private List<string> GroupsOf(LdapConnection service, string userDn)
    {
        if (string.IsNullOrWhiteSpace(options.GroupBase))
        {
            return [];
        }

        var filter = string.Format(CultureInfo.InvariantCulture, options.GroupFilter, EscapeFilterValue(userDn));
        var response = (SearchResponse)Send(service, new SearchRequest(options.GroupBase, filter, SearchScope.Subtree, options.GroupNameAttribute));
        return response.Entries.Cast<SearchResultEntry>()
            .Select(e => Text(e, options.GroupNameAttribute))
            .OfType<string>()
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();
    }

    private string[] UserAttributes() =>
        [options.IdAttribute, options.UserNameAttribute, options.DisplayNameAttribute, options.EmailAttribute, "userAccountControl"];

    private DirectoryUser? ToUser(SearchResultEntry entry)
    {
        var id = Id(entry);
        if (id is null)
        {
            Log.NoId(logger, options.IdAttribute);
            return null;
        }

        // Active Directory: userAccountControl bit 0x2 is ACCOUNTDISABLE (MS-ADTS §2.2.16).
        var disabled = Text(entry, "userAccountControl") is { } control && int.TryParse(control, NumberStyles.Integer, CultureInfo.InvariantCulture, out var flags) && (flags & 0x2) != 0;
        return new DirectoryUser(entry.DistinguishedName, id, Text(entry, options.UserNameAttribute), Text(entry, options.DisplayNameAttribute), Text(entry, options.EmailAttribute), disabled);
    }

    private string? Id(SearchResultEntry entry)
    {
        if (entry.Attributes[options.IdAttribute] is not { Count: > 0 } attribute)
        {
            return null;
        }

        var bytes = (byte[])attribute.GetValues(typeof(byte[]))[0];

        // objectGUID is 16 raw bytes (MS-ADTS §3.1.1.1.3); entryUUID (RFC 4530) is already text.
        return string.Equals(options.IdAttribute, "objectGUID", StringComparison.OrdinalIgnoreCase) && bytes.Length == 16
            ? new Guid(bytes).ToString()
            : Encoding.UTF8.GetString(bytes);
    }

    private static string? Text(SearchResultEntry entry, string attribute) =>
        entry.Attributes[attribute] is { Count: > 0 } values && values.GetValues(typeof(string))[0] is string value && !string.IsNullOrWhiteSpace(value)
            ? value.Trim()
            : null;

    private DirectoryResponse Send(LdapConnection connection, DirectoryRequest request) => connection.SendRequest(request, options.Timeout);

    private LdapConnection ServiceConnection()
    {
        var connection = Connect();
        try
        {
            if (string.IsNullOrEmpty(options.BindDn))
            {
                connection.AuthType = AuthType.Anonymous;
                connection.Bind();
            }
            else
            {
                connection.Bind(new NetworkCredential(options.BindDn, options.BindPassword));
            }

            return connection;
        }
        catch (LdapException ex) when (ex.ErrorCode == InvalidCredentials)
        {
            connection.Dispose();
            throw new DirectoryUnavailableException("the directory refused the service account (Ocm:Identity:Ldap:BindDn and BindPassword)", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private LdapConnection Connect()
    {
        var url = new Uri(options.Url!);
        var secure = url.Scheme == "ldaps";
        var port = url.Port > 0 ? url.Port : secure ? 636 : 389;
        var connection = new LdapConnection(new LdapDirectoryIdentifier(url.Host, port, fullyQualifiedDnsHostName: true, connectionless: false))
        {
            AuthType = AuthType.Basic,
            Timeout = options.Timeout,
            AutoBind = false,
        };
        try
        {
            var session = connection.SessionOptions;
            session.ProtocolVersion = 3;
            session.ReferralChasing = ReferralChasingOptions.None;
            // OpenLDAP's own TLS context (Linux, macOS); Windows checks against the machine's certificate store.
            if (options.TrustedCertificatesDirectory is { } ca && !OperatingSystem.IsWindows())
            {
                session.TrustedCertificatesDirectory = ca;
                session.StartNewTlsSessionContext();
            }

            if (secure)
            {
                session.SecureSocketLayer = true;
            }
            else if (options.StartTls)
            {
                // On Linux the connection to the configured host and port is opened by the first request; a StartTLS
                // before it goes to the default port 389 instead. So a harmless request first: the root DSE (RFC 4512
                // §5.1), read anonymously — no credentials travel before TLS is up (RFC 4513 §3.1.1).
                try
                {
                    connection.SendRequest(new SearchRequest("", "(objectClass=*)", SearchScope.Base, "supportedExtension"));
                }
                catch (DirectoryOperationException)
                {
                    // A directory that hides its root DSE from anonymous clients: the connection is open all the same.
                }

                session.StartTransportLayerSecurity(null);
            }

            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // The library's messages name the problem ("The LDAP server is unavailable.") and never carry the passwords.
    private static string Describe(Exception ex) =>
        ex is LdapException ldap ? $"{ldap.Message} (code {ldap.ErrorCode})" : ex.Message;

    private static partial class Log
    {
        [LoggerMessage(2820, LogLevel.Warning, "The LDAP directory did not answer or refused the service account: {Problem}. Directory accounts cannot sign in until it does")]
        public static partial void Unavailable(ILogger logger, string problem);

        [LoggerMessage(2821, LogLevel.Warning, "The LDAP user filter matched more than one entry for a sign-in; refused (make Ocm:Identity:Ldap:UserFilter match one entry per user name)")]
        public static partial void Ambiguous(ILogger logger);

        [LoggerMessage(2822, LogLevel.Warning, "An LDAP user entry has no {Attribute} attribute (Ocm:Identity:Ldap:IdAttribute) and is ignored")]
        public static partial void NoId(ILogger logger, string attribute);
    }
}
