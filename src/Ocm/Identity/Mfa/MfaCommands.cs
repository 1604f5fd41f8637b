using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Hosting;
using Ocm.Users;

namespace Ocm.Identity.Mfa;

/// <summary>
/// <c>ocm mfa …</c>: an admin requires two-factor authentication of one user, or resets it when a user lost their
/// phone and recovery codes. Works on the data directory like <c>ocm user …</c> (<see cref="OfflineHost"/>).
/// </summary>
internal static class MfaCommands
{
    public static Command Create() => new("mfa", "Two-factor authentication of single users: require, unrequire, reset.")
    {
        Require("require", "Require two-factor authentication of a user: without TOTP they are sent to enrolment after signing in.", required: true),
        Require("unrequire", "Stop requiring it of a user (Ocm:Identity:Mfa:Required=all still applies).", required: false),
        Reset(),
    };

    private static Command Require(string name, string description, bool required)
    {
        var user = new Argument<string>("NAME") { Description = "The user's name." };
        var command = new Command(name, description) { user };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, parse.GetValue(user)!, async (twoFactor, id) =>
        {
            await twoFactor.SetRequiredAsync(id, required, cancellationToken);
            await Console.Out.WriteLineAsync(required
                ? $"User '{parse.GetValue(user)}' must now use two-factor authentication."
                : $"User '{parse.GetValue(user)}' is no longer required to use two-factor authentication.");
        }, cancellationToken));
        return command;
    }

    private static Command Reset()
    {
        var user = new Argument<string>("NAME") { Description = "The user's name." };
        var command = new Command("reset", "Turn a user's TOTP off and delete their recovery codes (a lost phone); they can enrol again.") { user };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, parse.GetValue(user)!, async (twoFactor, id) =>
        {
            var removed = await twoFactor.DisableAsync(id, cancellationToken);
            await Console.Out.WriteLineAsync(removed
                ? $"Two-factor authentication of '{parse.GetValue(user)}' is off; they can set it up again on their account page."
                : $"User '{parse.GetValue(user)}' had no two-factor authentication.");
        }, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DataDirOptions data, ParseResult parse, string userName, Func<TwoFactor, long, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
            var db = host.Services.GetRequiredService<OcmDb>();
            var normalized = User.Normalize(userName);
            var id = await db.Set<User>().Where(u => u.NormalizedName == normalized).Select(u => (long?)u.Id).FirstOrDefaultAsync(cancellationToken);
            if (id is null)
            {
                await Console.Error.WriteLineAsync($"error: There is no user named '{userName}'.");
                return 1;
            }

            await action(host.Services.GetRequiredService<TwoFactor>(), id.Value);
            return 0;
        }
        catch (OcmStartupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
    }
}
