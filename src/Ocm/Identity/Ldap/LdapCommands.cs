using System.CommandLine;
using Ocm.Hosting;

namespace Ocm.Identity.Ldap;

/// <summary><c>ocm ldap sync</c>: the periodic sync of directory accounts, run once on the data directory, printing what it did.</summary>
internal static class LdapCommands
{
    public static Command Create() => new("ldap", "LDAP / Active Directory accounts: sync.")
    {
        Sync(),
    };

    private static Command Sync()
    {
        var command = new Command("sync", "Disable the accounts whose directory entry is gone or disabled, once (the server also does it every Ocm:Identity:Ldap:SyncIntervalMinutes).");
        var data = DataDirOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
                var options = host.Services.GetRequiredService<LdapOptions>();
                if (!options.Enabled)
                {
                    await Console.Error.WriteLineAsync("error: LDAP sign-in is off (Ocm:Identity:Ldap:Url is not set).");
                    return StartupFailures.ExitConfiguration;
                }

                var report = await host.Services.GetRequiredService<LdapAccounts>().SyncAsync(cancellationToken);
                await Console.Out.WriteLineAsync($"{report.DirectoryUsers} users in the directory, {report.LinkedAccounts} accounts linked to it, {report.Disabled.Count} disabled.");
                foreach (var name in report.Disabled)
                {
                    await Console.Out.WriteLineAsync("disabled: " + name);
                }

                if (report.DirectoryUsers == 0 && report.LinkedAccounts > 0)
                {
                    await Console.Out.WriteLineAsync("The directory listed no users at all, so nothing was disabled: check Ocm:Identity:Ldap:UserBase and UserFilter.");
                }

                return 0;
            }
            catch (OcmStartupException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ex.ExitCode;
            }
            catch (DirectoryUnavailableException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return 1;
            }
        });
        return command;
    }
}
