using System.CommandLine;
using Ocm.Hosting;
using Ocm.Shares;

namespace Ocm.RequestShares;

/// <summary>
/// <c>ocm share-request ask|list|inbox|accept|dismiss</c>: share requests (OCM 1.4 §Request for a Share) both ways,
/// against a running server as a user (<see cref="ServerConnection"/>), in the style of <see cref="ShareCommands"/>:
/// a table or a sentence for people, the API's answer with <c>--json</c>.
/// </summary>
internal static class ShareRequestCommands
{
    public static Command Create()
    {
        var root = new Command("share-request", "Ask users on other servers to share something with you, and answer their requests (talks to a running server).");

        var ask = new Command("ask", "Ask someone on another server for a file or folder: ocm share-request ask alice@cloud.example.org /Projects/report.md");
        var owner = new Argument<string>("owner") { Description = "The OCM address of the person to ask, e.g. alice@cloud.example.org" };
        var resource = new Argument<string>("resource") { Description = "What you ask for, as the owner knows it: a path such as /Projects/report.md, an id or a link" };
        ask.Arguments.Add(owner);
        ask.Arguments.Add(resource);
        var askConnection = ServerConnection.AddTo(ask);
        ask.SetAction((parse, ct) => askConnection.RunAsync(parse, async api =>
        {
            var body = new Dictionary<string, object?> { ["owner"] = parse.GetValue(owner), ["resource"] = parse.GetValue(resource) };
            var sent = await api.SendAsync(HttpMethod.Post, "api/v1/share-requests/outgoing", body, ct);
            return ShareCommands.Print(api, sent, RequestSharesJsonContext.Default.OutgoingShareRequestView, r =>
                Console.Out.WriteLine($"Asked {r.Owner} for '{r.Resource}': request {r.Id}, {r.State}. You will see the share under 'ocm received list' once they share it."));
        }, ct));
        root.Subcommands.Add(ask);

        var list = new Command("list", "List the requests you sent and what became of them.");
        var listConnection = ServerConnection.AddTo(list);
        list.SetAction((parse, ct) => listConnection.RunAsync(parse, async api =>
            ShareCommands.Print(api, await api.GetAsync("api/v1/share-requests/outgoing", ct), RequestSharesJsonContext.Default.ListOutgoingShareRequestView, requests =>
            {
                var table = new ConsoleTable(
                    ConsoleTable.Right("ID"), ConsoleTable.Left("ASKED"), ConsoleTable.Left("RESOURCE"), ConsoleTable.Left("STATE"), ConsoleTable.Left("SENT"));
                foreach (var r in requests)
                {
                    table.Add(r.Id, r.Owner, r.Resource, r.Reason is { } reason ? $"{r.State}: {reason}" : r.State, r.Created);
                }

                table.Write("No share requests sent.");
            }), ct));
        root.Subcommands.Add(list);

        var inbox = new Command("inbox", "List the requests users of other servers sent you.");
        var all = new Option<bool>("--all") { Description = "Also the dismissed and fulfilled ones." };
        inbox.Options.Add(all);
        var inboxConnection = ServerConnection.AddTo(inbox);
        inbox.SetAction((parse, ct) => inboxConnection.RunAsync(parse, async api =>
            ShareCommands.Print(api, await api.GetAsync("api/v1/share-requests" + (parse.GetValue(all) ? "?state=all" : ""), ct), RequestSharesJsonContext.Default.ListShareRequestView, requests =>
            {
                var table = new ConsoleTable(
                    ConsoleTable.Right("ID"), ConsoleTable.Left("FROM"), ConsoleTable.Left("RESOURCE"), ConsoleTable.Left("STATE"), ConsoleTable.Left("RECEIVED"));
                foreach (var r in requests)
                {
                    var from = r.FromContact ? r.Requester + " (contact)" : r.Requester;
                    table.Add(r.Id, from, r.Resource, r.ShareId is { } share ? $"{r.State} (share {share})" : r.State, r.Received);
                }

                table.Write("No share requests.");
            }), ct));
        root.Subcommands.Add(inbox);

        var accept = new Command("accept", "Share what was asked for with the requester; the request becomes fulfilled.");
        var acceptId = ShareCommands.IdArgument("The request's id, as 'ocm share-request inbox' shows it.");
        var path = new Option<string?>("--path") { Description = "The file or folder to share; without it the path the requester named.", HelpName = "path" };
        var permissions = ShareCommands.PermissionOption("What the requester may do: read, write or share (repeatable). Without it: read.");
        accept.Arguments.Add(acceptId);
        accept.Options.Add(path);
        accept.Options.Add(permissions);
        var acceptConnection = ServerConnection.AddTo(accept);
        accept.SetAction((parse, ct) => acceptConnection.RunAsync(parse, async api =>
        {
            var body = new Dictionary<string, object?>
            {
                ["path"] = parse.GetValue(path),
                ["permissions"] = parse.GetValue(permissions) is { Length: > 0 } p ? p : null,
            };
            var accepted = await api.SendAsync(HttpMethod.Post, $"api/v1/share-requests/{parse.GetValue(acceptId)}/accept", body, ct);
            return ShareCommands.Print(api, accepted, RequestSharesJsonContext.Default.ShareRequestView, r =>
                Console.Out.WriteLine($"Shared with {r.Requester}: share {r.ShareId}; request {r.Id} fulfilled."));
        }, ct));
        root.Subcommands.Add(accept);

        var dismiss = new Command("dismiss", "Dismiss a request without sharing.");
        var dismissId = ShareCommands.IdArgument("The request's id, as 'ocm share-request inbox' shows it.");
        dismiss.Arguments.Add(dismissId);
        var dismissConnection = ServerConnection.AddTo(dismiss);
        dismiss.SetAction((parse, ct) => dismissConnection.RunAsync(parse, async api =>
        {
            var id = parse.GetValue(dismissId);
            await api.SendAsync(HttpMethod.Post, $"api/v1/share-requests/{id}/dismiss", null, ct);
            return ShareCommands.Done(api, id, $"Share request {id} dismissed.");
        }, ct));
        root.Subcommands.Add(dismiss);
        return root;
    }
}
