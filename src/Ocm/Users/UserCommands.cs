using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ocm.Hosting;

namespace Ocm.Users;

/// <summary>
/// <c>ocm user …</c>: account administration on the data directory. Works whether or not the server runs (it opens the
/// same database with the same configuration, see <see cref="OfflineHost"/>); the server notices changes on the next request.
/// </summary>
internal static class UserCommands
{
    public static Command Create() => new("user", "Manage users: add, list, passwd, update, disable, enable, delete, app-password.")
    {
        Add(),
        List(),
        Passwd(),
        Update(),
        SetDisabled("disable", "Disable a user: their passwords and app passwords stop working at once.", disabled: true),
        SetDisabled("enable", "Enable a disabled user again.", disabled: false),
        Delete(),
        AppPassword(),
    };

    private static Command Add()
    {
        var name = NameArgument();
        var password = new Option<string?>("--password") { Description = "The password (at least 8 characters). Without it and --generate: asked for, or read from standard input.", HelpName = "password" };
        var generate = new Option<bool>("--generate") { Description = "Generate a strong password and print it once." };
        var displayName = new Option<string?>("--display-name") { Description = "Name shown to others." };
        var email = new Option<string?>("--email") { Description = "E-mail address." };
        var quota = new Option<string?>("--quota") { Description = "Storage quota in bytes, or with a K, M, G or T suffix (binary units); default unlimited." };
        var admin = new Option<bool>("--admin") { Description = "May use the admin pages of the web interface." };
        var command = new Command("add", "Create a user.") { name, password, generate, displayName, email, quota, admin };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            var quotaBytes = ParseQuota(parse.GetValue(quota), out var unlimited);
            var secret = await ReadPasswordAsync(parse.GetValue(password), parse.GetValue(generate), accounts, cancellationToken);
            var user = await accounts.AddAsync(
                new NewUser(parse.GetValue(name)!, secret.Password, parse.GetValue(displayName), parse.GetValue(email), unlimited ? null : quotaBytes, parse.GetValue(admin)),
                cancellationToken);
            await Console.Out.WriteLineAsync($"Created user '{user.Name}'.");
            if (secret.Generated)
            {
                await Console.Out.WriteLineAsync($"Password: {secret.Password}");
            }
        }, cancellationToken));
        return command;
    }

    private static Command List()
    {
        var json = CommandJson.Switch();
        var command = new Command("list", "List users with their quota and usage.") { json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            var users = await accounts.ListAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                CommandJson.Write(
                    users.Select(u => new UserListing(u.Name, u.DisplayName, u.Email, u.UsedBytes, u.QuotaBytes, u.Disabled, u.IsAdmin, u.Created)).ToList(),
                    UserCommandsJsonContext.Default.ListUserListing);
                return;
            }

            var table = new ConsoleTable(
                ConsoleTable.Left("NAME"), ConsoleTable.Left("DISPLAY NAME"), ConsoleTable.Left("EMAIL"), ConsoleTable.Right("USED"),
                ConsoleTable.Right("QUOTA"), ConsoleTable.Left("STATE"), ConsoleTable.Left("CREATED"));
            foreach (var user in users)
            {
                table.Add(user.Name, user.DisplayName, user.Email, FormatBytes(user.UsedBytes), user.QuotaBytes is long q ? FormatBytes(q) : "unlimited",
                    (user.Disabled ? "disabled" : "active") + (user.IsAdmin ? ",admin" : ""), user.Created);
            }

            table.Write("No users.");
        }, cancellationToken));
        return command;
    }

    private static Command Passwd()
    {
        var name = NameArgument();
        var password = new Option<string?>("--password") { Description = "The new password. Without it and --generate: asked for, or read from standard input.", HelpName = "password" };
        var generate = new Option<bool>("--generate") { Description = "Generate a strong password and print it once." };
        var command = new Command("passwd", "Set a user's password (signed-in clients must sign in again).") { name, password, generate };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            var secret = await ReadPasswordAsync(parse.GetValue(password), parse.GetValue(generate), accounts, cancellationToken);
            await accounts.SetPasswordAsync(parse.GetValue(name)!, secret.Password, cancellationToken);
            await Console.Out.WriteLineAsync("Password changed.");
            if (secret.Generated)
            {
                await Console.Out.WriteLineAsync($"Password: {secret.Password}");
            }
        }, cancellationToken));
        return command;
    }

    private static Command Update()
    {
        var name = NameArgument();
        var displayName = new Option<string?>("--display-name") { Description = "New display name ('' clears it)." };
        var email = new Option<string?>("--email") { Description = "New e-mail address ('' clears it)." };
        var quota = new Option<string?>("--quota") { Description = "New quota (bytes, or K/M/G/T suffix), or 'unlimited'." };
        var admin = new Option<bool?>("--admin") { Description = "true: may use the admin pages of the web interface; false: may not." };
        var command = new Command("update", "Change a user's display name, e-mail, quota or admin right.") { name, displayName, email, quota, admin };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            var quotaText = parse.GetValue(quota);
            var quotaBytes = ParseQuota(quotaText, out var unlimited);
            await accounts.UpdateAsync(parse.GetValue(name)!, parse.GetValue(displayName), parse.GetValue(email), quotaBytes, unlimited && quotaText is not null, cancellationToken);
            if (parse.GetValue(admin) is bool isAdmin)
            {
                await accounts.SetAdminAsync(parse.GetValue(name)!, isAdmin, cancellationToken);
            }
            await Console.Out.WriteLineAsync("User updated.");
        }, cancellationToken));
        return command;
    }

    private static Command SetDisabled(string verb, string description, bool disabled)
    {
        var name = NameArgument();
        var command = new Command(verb, description) { name };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            await accounts.SetDisabledAsync(parse.GetValue(name)!, disabled, cancellationToken);
            await Console.Out.WriteLineAsync(disabled ? "User disabled." : "User enabled.");
        }, cancellationToken));
        return command;
    }

    private static Command Delete()
    {
        var name = NameArgument();
        var yes = new Option<bool>("--yes") { Description = "Confirm: the user's files are deleted too, for good." };
        var command = new Command("delete", "Delete a user and all their files.") { name, yes };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            if (!parse.GetValue(yes))
            {
                throw new UserAccountException("Deleting a user deletes all their files; add --yes to confirm.");
            }

            await accounts.DeleteAsync(parse.GetValue(name)!, cancellationToken);
            await Console.Out.WriteLineAsync("User deleted.");
        }, cancellationToken));
        return command;
    }

    private static Command AppPassword()
    {
        var name = NameArgument();
        var label = new Option<string?>("--label") { Description = "What the password is for, e.g. 'laptop sync'. Without it: 'app password'.", HelpName = "text" };
        var list = new Option<bool>("--list") { Description = "List the user's app passwords instead of creating one." };
        var revoke = new Option<long?>("--revoke") { Description = "Revoke the app password with this id (see --list).", HelpName = "id" };
        var json = CommandJson.Switch();
        var command = new Command("app-password", "Create a named, revocable password for a sync client and print it once; or --list, or --revoke ID.")
        {
            name, label, list, revoke, json,
        };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async accounts =>
        {
            var user = parse.GetValue(name)!;
            if (parse.GetValue(revoke) is long id)
            {
                await accounts.RevokeAppPasswordAsync(user, id, cancellationToken);
                await Console.Out.WriteLineAsync($"App password {id} revoked.");
            }
            else if (parse.GetValue(list))
            {
                var entries = await accounts.ListAppPasswordsAsync(user, cancellationToken);
                if (parse.GetValue(json))
                {
                    CommandJson.Write(entries.Select(e => new AppPasswordListing(e.Id, e.Label, e.Created, e.LastUsed)).ToList(), UserCommandsJsonContext.Default.ListAppPasswordListing);
                    return;
                }

                var table = new ConsoleTable(ConsoleTable.Right("ID"), ConsoleTable.Left("LABEL"), ConsoleTable.Left("CREATED"), ConsoleTable.Left("LAST USED"));
                foreach (var entry in entries)
                {
                    table.Add(entry.Id, entry.Label, entry.Created, entry.LastUsed is DateTimeOffset used ? CommandTime.Format(used) : "never");
                }

                table.Write($"'{user}' has no app passwords.");
            }
            else
            {
                var (entry, password) = await accounts.AddAppPasswordAsync(user, parse.GetValue(label) ?? "app password", cancellationToken);
                await Console.Out.WriteLineAsync($"App password {entry.Id} ('{entry.Label}'), shown only now:");
                await Console.Out.WriteLineAsync(password);
            }
        }, cancellationToken));
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The user name." };

    private static async Task<int> RunAsync(DataDirOptions data, ParseResult parse, Func<UserAccounts, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
            await action(host.Services.GetRequiredService<UserAccounts>());
            return 0;
        }
        catch (OcmStartupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (UserAccountException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 1;
        }
    }

    private static async Task<(string Password, bool Generated)> ReadPasswordAsync(
        string? given, bool generate, UserAccounts accounts, CancellationToken cancellationToken)
    {
        if (given is not null && generate)
        {
            throw new UserAccountException("Use either --password or --generate, not both.");
        }

        if (generate)
        {
            return (accounts.GeneratePassword(), true);
        }

        if (given is not null)
        {
            return (given, false);
        }

        if (!Console.IsInputRedirected)
        {
            var first = CommandPassword.Prompt("Password: ");
            var second = CommandPassword.Prompt("Repeat password: ");
            return first == second ? (first, false) : throw new UserAccountException("The passwords do not match.");
        }

        var line = await CommandPassword.ReadAsync("Password: ", cancellationToken);
        return (line ?? throw new UserAccountException(
            "No password: give --password or --generate, type it in a terminal, or pipe it on standard input."), false);
    }

    /// <summary><c>1073741824</c>, <c>512M</c>, <c>10G</c>, <c>1.5T</c> (binary units), or <c>unlimited</c>/<c>none</c>.</summary>
    internal static long? ParseQuota(string? text, out bool unlimited)
    {
        unlimited = false;
        if (text is null)
        {
            return null;
        }

        var value = text.Trim();
        if (value.Equals("unlimited", StringComparison.OrdinalIgnoreCase) || value.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            unlimited = true;
            return null;
        }

        var multiplier = 1L;
        if (value.Length > 0 && char.IsAsciiLetter(value[^1]))
        {
            multiplier = char.ToUpperInvariant(value[^1]) switch
            {
                'B' => 1L,
                'K' => 1L << 10,
                'M' => 1L << 20,
                'G' => 1L << 30,
                'T' => 1L << 40,
                _ => 0,
            };
            value = value[..^1];
        }

        if (multiplier == 0 || !decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) || number < 0)
        {
            throw new UserAccountException($"'{text}' is not a quota: use bytes, a K/M/G/T suffix, or 'unlimited'.");
        }

        // Compared before multiplying: a decimal product can itself overflow (e.g. "1e27T" written out in digits).
        return number > long.MaxValue / multiplier ? throw new UserAccountException("The quota is too large.") : (long)(number * multiplier);
    }

    internal static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : value.ToString("0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}

/// <summary>One user as <c>ocm user list --json</c> prints it.</summary>
internal sealed record UserListing(
    string Name, string? DisplayName, string? Email, long UsedBytes, long? QuotaBytes, bool Disabled, bool Admin, DateTimeOffset Created);

/// <summary>One app password as <c>ocm user app-password NAME --list --json</c> prints it (never the password).</summary>
internal sealed record AppPasswordListing(long Id, string Label, DateTimeOffset Created, DateTimeOffset? LastUsed);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<UserListing>))]
[JsonSerializable(typeof(List<AppPasswordListing>))]
internal sealed partial class UserCommandsJsonContext : JsonSerializerContext;
