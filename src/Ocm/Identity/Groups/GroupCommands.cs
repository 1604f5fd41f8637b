using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ocm.Hosting;

namespace Ocm.Identity.Groups;

/// <summary>
/// <c>ocm group …</c>: groups on the data directory, whether or not the server runs (see <see cref="OfflineHost"/>).
/// Local groups only can be changed; a provider's groups are listed with their members.
/// </summary>
internal static class GroupCommands
{
    public static Command Create() => new("group", "Manage groups: add, remove, list, members, add-member, remove-member.")
    {
        Add(),
        Remove(),
        List(),
        Members(),
        Member("add-member", "Add a user to a local group.", add: true),
        Member("remove-member", "Remove a user from a local group.", add: false),
    };

    private static Command Add()
    {
        var name = NameArgument();
        var displayName = new Option<string?>("--display-name") { Description = "Name shown for the group." };
        var command = new Command("add", "Create a local group.") { name, displayName };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async groups =>
        {
            var group = await groups.AddAsync(parse.GetValue(name)!, parse.GetValue(displayName), cancellationToken);
            await Console.Out.WriteLineAsync($"Created group '{group.Name}'.");
        }, cancellationToken));
        return command;
    }

    private static Command Remove()
    {
        var name = NameArgument();
        var command = new Command("remove", "Delete a group and its memberships (a provider's group returns at its members' next sign-in).") { name };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async groups =>
        {
            await groups.RemoveAsync(parse.GetValue(name)!, cancellationToken);
            await Console.Out.WriteLineAsync("Group deleted.");
        }, cancellationToken));
        return command;
    }

    private static Command List()
    {
        var json = CommandJson.Switch();
        var command = new Command("list", "List groups: local ones and those of the identity provider, with their member counts.") { json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async groups =>
        {
            var list = await groups.ListAsync(cancellationToken);
            if (parse.GetValue(json))
            {
                CommandJson.Write(list.Select(GroupView.From).ToList(), GroupCommandsJsonContext.Default.ListGroupView);
                return;
            }

            var table = new ConsoleTable(ConsoleTable.Left("NAME"), ConsoleTable.Left("DISPLAY NAME"), ConsoleTable.Left("SOURCE"), ConsoleTable.Right("MEMBERS"), ConsoleTable.Left("CREATED"));
            foreach (var group in list)
            {
                table.Add(group.Name, group.DisplayName, group.Issuer switch { null => "local", Ldap.LdapOptions.Issuer => "directory", _ => "provider " + group.Issuer }, group.Members, group.Created);
            }

            table.Write("No groups.");
        }, cancellationToken));
        return command;
    }

    private static Command Members()
    {
        var name = NameArgument();
        var json = CommandJson.Switch();
        var command = new Command("members", "List a group's members (user names).") { name, json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async groups =>
        {
            var members = await groups.MembersAsync(parse.GetValue(name)!, cancellationToken);
            if (parse.GetValue(json))
            {
                CommandJson.Write(members, GroupCommandsJsonContext.Default.ListString);
                return;
            }

            foreach (var member in members)
            {
                await Console.Out.WriteLineAsync(member);
            }
        }, cancellationToken));
        return command;
    }

    private static Command Member(string verb, string description, bool add)
    {
        var name = NameArgument();
        var user = new Argument<string>("user") { Description = "The user name." };
        var command = new Command(verb, description) { name, user };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async groups =>
        {
            if (add)
            {
                await groups.AddMemberAsync(parse.GetValue(name)!, parse.GetValue(user)!, cancellationToken);
                await Console.Out.WriteLineAsync("Member added.");
            }
            else
            {
                await groups.RemoveMemberAsync(parse.GetValue(name)!, parse.GetValue(user)!, cancellationToken);
                await Console.Out.WriteLineAsync("Member removed.");
            }
        }, cancellationToken));
        return command;
    }

    private static Argument<string> NameArgument() => new("name") { Description = "The group name." };

    private static async Task<int> RunAsync(DataDirOptions data, ParseResult parse, Func<GroupDirectory, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
            await action(host.Services.GetRequiredService<GroupDirectory>());
            return 0;
        }
        catch (OcmStartupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (GroupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return 1;
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<GroupView>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class GroupCommandsJsonContext : JsonSerializerContext;
