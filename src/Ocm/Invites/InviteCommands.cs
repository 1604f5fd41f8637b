using System.CommandLine;
using System.Text.Json;
using Ocm.Contacts;
using Ocm.Hosting;

namespace Ocm.Invites;

/// <summary>
/// <c>ocm invite create|list|accept</c>: the invite API of a running server, as a user (<see cref="ServerConnection"/>:
/// <c>--server</c>, <c>--user</c>, the password from <c>OCM_PASSWORD</c>, a prompt or standard input, <c>--json</c>).
/// </summary>
internal static class InviteCommands
{
    public static Command Create() => new("invite", "Create, list and accept invites (OCM invite flow) on a running server.")
    {
        CreateInvite(),
        ListInvites(),
        AcceptInvite(),
    };

    private static Command CreateInvite()
    {
        var label = new Option<string?>("--label") { Description = "A note for yourself, e.g. who the invite is for.", HelpName = "text" };
        var command = new Command("create", "Create an invite; prints the token, the invite string and the WAYF link (shown only now).") { label };
        var connection = ServerConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async api =>
        {
            var answer = await api.SendAsync(HttpMethod.Post, "api/v1/invites", new CreateInviteRequest(parse.GetValue(label)), cancellationToken);
            if (api.Json)
            {
                CommandJson.Write(answer);
                return 0;
            }

            var invite = answer.Deserialize(InvitesJsonContext.Default.CreatedInvite)!;
            await Console.Out.WriteAsync($"""
                Invite {invite.Id} created; it can be accepted once, until {CommandTime.Format(invite.Expires)}.
                Send one of these to the person you invite (the token is not shown again):
                  invite string: {invite.InviteString}
                  link:          {invite.Link}
                  token:         {invite.Token}

                """);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command ListInvites()
    {
        var command = new Command("list", "List your invites (never their tokens).");
        var connection = ServerConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async api =>
        {
            var answer = await api.GetAsync("api/v1/invites", cancellationToken);
            if (api.Json)
            {
                CommandJson.Write(answer);
                return 0;
            }

            var table = new ConsoleTable(
                ConsoleTable.Right("ID"), ConsoleTable.Left("STATE"), ConsoleTable.Left("LABEL"), ConsoleTable.Left("CREATED"),
                ConsoleTable.Left("EXPIRES"), ConsoleTable.Left("ACCEPTED"), ConsoleTable.Left("ACCEPTED BY"));
            foreach (var invite in answer.Deserialize(InvitesJsonContext.Default.ListInviteView)!)
            {
                table.Add(invite.Id, invite.State, invite.Label, invite.Created, invite.Expires, CommandTime.Format(invite.Accepted), invite.AcceptedBy);
            }

            table.Write("No invites.");
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command AcceptInvite()
    {
        var invite = new Argument<string?>("invite") { Description = "The invite string (or the invite link).", Arity = ArgumentArity.ZeroOrOne };
        var token = new Option<string?>("--token") { Description = "The invite token, when you have it apart from the invite string.", HelpName = "token" };
        var provider = new Option<string?>("--provider-domain") { Description = "The inviter's server (host[:port]), with --token.", HelpName = "host" };
        var command = new Command("accept", "Accept someone's invite: both of you become contacts.") { invite, token, provider };
        var connection = ServerConnection.AddTo(command);
        command.SetAction((parse, cancellationToken) => connection.RunAsync(parse, async api =>
        {
            var request = new AcceptInviteRequest(parse.GetValue(invite), parse.GetValue(token), parse.GetValue(provider));
            var answer = await api.SendAsync(HttpMethod.Post, "api/v1/invites/accept", request, cancellationToken);
            if (api.Json)
            {
                CommandJson.Write(answer);
                return 0;
            }

            var contact = answer.Deserialize(ContactsJsonContext.Default.ContactView)!;
            await Console.Out.WriteLineAsync($"Invite accepted: {contact.Name} ({contact.Address}) is now one of your contacts.");
            return 0;
        }, cancellationToken));
        return command;
    }
}
