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
    public static Command Create() => new("mfa", "Two-factor authentication of users and groups: require, unrequire, reset.")
    {
        Require("require", "Require two-factor authentication of a user, or of every member of a group (--group): without TOTP they are sent to enrolment after signing in.", required: true),
        Require("unrequire", "Stop requiring it of a user or group (Ocm:Identity:Mfa:Required=all and RequiredGroups still apply).", required: false),
        Reset(),
    };

    private static Command Require(string name, string description, bool required)
    {
        var user = new Argument<string?>("NAME") { Description = "The user's name (or give --group).", Arity = ArgumentArity.ZeroOrOne };
        var group = new Option<string?>("--group") { Description = "A group: every member, now and later.", HelpName = "GROUP" };
        var command = new Command(name, description) { user, group };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => parse.GetValue(group) is { } groupName
            ? RunForGroupAsync(data, parse, groupName, required, cancellationToken)
            : parse.GetValue(user) is null
            ? Usage()
            : RunAsync(data, parse, parse.GetValue(user)!, async (twoFactor, id) =>
        {
            await twoFactor.SetRequiredAsync(id, required, cancellationToken);
            await Console.Out.WriteLineAsync(required
                ? $"User '{parse.GetValue(user)}' must now use two-factor authentication."
                : $"User '{parse.GetValue(user)}' is no longer required to use two-factor authentication.");
        }, cancellationToken));
        return command;
    }

    private static async Task<int> Usage()
    {
        await Console.Error.WriteLineAsync("error: Name a user (NAME) or a group (--group GROUP).");
        return 2;
    }

    private static async Task<int> RunForGroupAsync(DataDirOptions data, ParseResult parse, string groupName, bool required, CancellationToken cancellationToken)
    {
        try
        {
            await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
            if (!await host.Services.GetRequiredService<TwoFactor>().SetGroupRequiredAsync(groupName, required, cancellationToken))
            {
                await Console.Error.WriteLineAsync($"error: There is no group named '{groupName}' (ocm group list).");
                return 1;
            }

            await Console.Out.WriteLineAsync(required
                ? $"Members of group '{groupName}' must now use two-factor authentication."
                : $"Members of group '{groupName}' are no longer required to use two-factor authentication as members of it.");
            return 0;
        }
        catch (OcmStartupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
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
