using System.Diagnostics;
using System.Globalization;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// Debian's OpenLDAP server (<c>slapd</c>) on a loopback port of its own, started and stopped through
/// <c>scripts/ldap.sh</c>: base <c>dc=example,dc=org</c>, people alice, bob and carol (passwords <c>NAME-password</c>),
/// groups physics (alice) and staff (alice, bob).
/// </summary>
internal sealed class TestLdapDirectory : IAsyncDisposable
{
    public const string Base = "dc=example,dc=org";

    private bool _stopped;

    private TestLdapDirectory(int port) => Port = port;

    public int Port { get; }

    public string Url => $"ldap://127.0.0.1:{Port}";

    /// <summary>The folder with the CA (hashed layout) that signed the directory's StartTLS certificate for 127.0.0.1.</summary>
    public string CertificateAuthorityDirectory => $"/tmp/ocm-ldap-{Port}/tls/ca";

    public static async Task<TestLdapDirectory> StartAsync()
    {
        // A port found free can be taken by another process of the parallel suite before slapd binds it (slapd then
        // exits at once): a fresh port is tried, at most three times.
        for (var attempt = 1; ; attempt++)
        {
            var directory = new TestLdapDirectory(OcmProcess.FreePort("127.0.0.1"));
            try
            {
                await RunAsync(null, "start", directory.Port.ToString(CultureInfo.InvariantCulture));
                return directory;
            }
            catch (Xunit.Sdk.XunitException) when (attempt < 3)
            {
            }
        }
    }

    /// <summary>The settings of an Ocm server signing in with this directory (the names of issue 17, kept exactly).</summary>
    public Dictionary<string, string?> ServerSettings(params (string Key, string? Value)[] extra)
    {
        var settings = UiPageExtensions.Settings(
            ("Ocm:Identity:Ldap:Url", Url),
            ("Ocm:Identity:Ldap:BindDn", "cn=admin," + Base),
            ("Ocm:Identity:Ldap:BindPassword", "admin-secret"),
            ("Ocm:Identity:Ldap:UserBase", "ou=people," + Base),
            ("Ocm:Identity:Ldap:UserFilter", "(&(objectClass=inetOrgPerson)(uid={0}))"),
            ("Ocm:Identity:Ldap:GroupBase", "ou=groups," + Base),
            ("Ocm:Identity:Ldap:GroupFilter", "(&(objectClass=groupOfNames)(member={0}))"),
            ("Ocm:Identity:Ldap:TimeoutSeconds", "5"));
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The same settings as <c>OCM_…</c> environment variables, for the command line.</summary>
    public Dictionary<string, string> Environment() =>
        ServerSettings().Where(s => s.Key.StartsWith("Ocm:Identity:Ldap:", StringComparison.Ordinal))
            .ToDictionary(s => "OCM_" + s.Key["Ocm:".Length..].Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant(), s => s.Value!)
            .Append(new KeyValuePair<string, string>("OCM_LOGGING__LOGLEVEL__DEFAULT", "Warning"))
            .ToDictionary();

    /// <summary>Applies an LDIF change (as the directory's admin), e.g. removes a person.</summary>
    public Task ModifyAsync(string ldif) => RunAsync(ldif, "modify", Port.ToString(CultureInfo.InvariantCulture));

    public Task RemovePersonAsync(string uid) => ModifyAsync($"dn: uid={uid},ou=people,{Base}\nchangetype: delete\n");

    /// <summary>Stops the directory (mid-test: it then refuses connections).</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await RunAsync(null, "stop", Port.ToString(CultureInfo.InvariantCulture));
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private static async Task RunAsync(string? stdin, params string[] arguments)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(OcmProcess.RepositoryRoot, "scripts", "ldap.sh"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"scripts/ldap.sh {string.Join(' ', arguments)} failed: {await stdout}{await stderr}");
    }
}
