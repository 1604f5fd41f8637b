using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ocm.Hosting;

namespace Ocm.Shares;

/// <summary>
/// <c>ocm share create|list|show|update|delete</c> and <c>ocm received list|accept|decline|leave</c>: the sharing API for
/// scripts and operators, against a running server as a user.
/// </summary>
internal static class ShareCommands
{
    public static Command CreateShare()
    {
        var share = new Command("share", "Share files with users on other OCM servers (talks to a running server).");

        var create = new Command("create", "Share a file or folder: ocm share create PATH bob@cloud.example.org");
        var path = new Argument<string>("path") { Description = "Path in your tree, e.g. /Documents/report.pdf" };
        var with = new Argument<string>("share-with") { Description = "Recipient's OCM address, e.g. bob@cloud.example.org" };
        var permissions = new Option<string[]>("--permission", "-p") { Description = "read, write or share (repeatable; default read)", AllowMultipleArgumentsPerToken = true };
        var expires = new Option<string?>("--expires") { Description = "Expiry: Unix seconds or an ISO 8601 date/time" };
        create.Arguments.Add(path);
        create.Arguments.Add(with);
        create.Options.Add(permissions);
        create.Options.Add(expires);
        var createConnection = ServerConnection.AddTo(create);
        create.SetAction(async (parse, ct) =>
        {
            if (!TryParseExpiry(parse.GetValue(expires), out var expiration))
            {
                await Console.Error.WriteLineAsync("error: --expires must be Unix seconds or an ISO 8601 date/time in the future");
                return 2;
            }

            using var client = createConnection.CreateClient(parse);
            var body = new Dictionary<string, object?>
            {
                ["path"] = parse.GetValue(path),
                ["shareWith"] = parse.GetValue(with),
                ["permissions"] = parse.GetValue(permissions) is { Length: > 0 } p ? p : null,
                ["expiration"] = expiration,
            };
            return Print(await ServerConnection.SendAsync(client, HttpMethod.Post, "api/v1/shares", body, ct));
        });
        share.Subcommands.Add(create);

        var list = new Command("list", "List your outgoing shares and their delivery state.");
        var listConnection = ServerConnection.AddTo(list);
        list.SetAction(async (parse, ct) =>
        {
            using var client = listConnection.CreateClient(parse);
            return Print(await ServerConnection.SendAsync(client, HttpMethod.Get, "api/v1/shares", null, ct));
        });
        share.Subcommands.Add(list);

        var show = new Command("show", "Show one outgoing share: its state and, while it waits for delivery, why and the next attempt.");
        var showId = new Argument<long>("id");
        show.Arguments.Add(showId);
        var showConnection = ServerConnection.AddTo(show);
        show.SetAction(async (parse, ct) =>
        {
            using var client = showConnection.CreateClient(parse);
            return Print(await ServerConnection.SendAsync(client, HttpMethod.Get, $"api/v1/shares/{parse.GetValue(showId)}", null, ct));
        });
        share.Subcommands.Add(show);

        var update = new Command("update", "Change permissions or expiry of a share.");
        var updateId = new Argument<long>("id");
        var updatePermissions = new Option<string[]>("--permission", "-p") { Description = "New permissions (replace the old ones)", AllowMultipleArgumentsPerToken = true };
        var updateExpires = new Option<string?>("--expires") { Description = "New expiry (Unix seconds or ISO 8601), or 'never'" };
        update.Arguments.Add(updateId);
        update.Options.Add(updatePermissions);
        update.Options.Add(updateExpires);
        var updateConnection = ServerConnection.AddTo(update);
        update.SetAction(async (parse, ct) =>
        {
            long? expiration = null;
            var expiresText = parse.GetValue(updateExpires);
            if (expiresText is "never")
            {
                expiration = 0;
            }
            else if (!TryParseExpiry(expiresText, out expiration))
            {
                await Console.Error.WriteLineAsync("error: --expires must be Unix seconds, an ISO 8601 date/time, or 'never'");
                return 2;
            }

            using var client = updateConnection.CreateClient(parse);
            var body = new Dictionary<string, object?>
            {
                ["permissions"] = parse.GetValue(updatePermissions) is { Length: > 0 } p ? p : null,
                ["expiration"] = expiration,
            };
            return Print(await ServerConnection.SendAsync(client, HttpMethod.Patch, $"api/v1/shares/{parse.GetValue(updateId)}", body, ct));
        });
        share.Subcommands.Add(update);

        var delete = new Command("delete", "Revoke a share (access ends at once; the recipient's server is told).");
        var deleteId = new Argument<long>("id");
        delete.Arguments.Add(deleteId);
        var deleteConnection = ServerConnection.AddTo(delete);
        delete.SetAction(async (parse, ct) =>
        {
            using var client = deleteConnection.CreateClient(parse);
            return Done(await ServerConnection.SendAsync(client, HttpMethod.Delete, $"api/v1/shares/{parse.GetValue(deleteId)}", null, ct), "share revoked");
        });
        share.Subcommands.Add(delete);
        return share;
    }

    public static Command CreateReceived()
    {
        var received = new Command("received", "Shares others offered you (talks to a running server).");

        var list = new Command("list", "List received shares.");
        var state = new Option<string?>("--state") { Description = "pending, accepted, declined or unshared" };
        list.Options.Add(state);
        var listConnection = ServerConnection.AddTo(list);
        list.SetAction(async (parse, ct) =>
        {
            using var client = listConnection.CreateClient(parse);
            var query = parse.GetValue(state) is { } s ? "?state=" + Uri.EscapeDataString(s) : "";
            return Print(await ServerConnection.SendAsync(client, HttpMethod.Get, "api/v1/received-shares" + query, null, ct));
        });
        received.Subcommands.Add(list);

        foreach (var (name, description) in new[] { ("accept", "Accept a share; it appears in your files."), ("decline", "Decline a share.") })
        {
            var command = new Command(name, description);
            var id = new Argument<long>("id");
            command.Arguments.Add(id);
            var connection = ServerConnection.AddTo(command);
            command.SetAction(async (parse, ct) =>
            {
                using var client = connection.CreateClient(parse);
                return Print(await ServerConnection.SendAsync(client, HttpMethod.Post, $"api/v1/received-shares/{parse.GetValue(id)}/{name}", null, ct));
            });
            received.Subcommands.Add(command);
        }

        var leave = new Command("leave", "Remove a received share from your files (the owner is told).");
        var leaveId = new Argument<long>("id");
        leave.Arguments.Add(leaveId);
        var leaveConnection = ServerConnection.AddTo(leave);
        leave.SetAction(async (parse, ct) =>
        {
            using var client = leaveConnection.CreateClient(parse);
            return Done(await ServerConnection.SendAsync(client, HttpMethod.Delete, $"api/v1/received-shares/{parse.GetValue(leaveId)}", null, ct), "left the share");
        });
        received.Subcommands.Add(leave);
        return received;
    }

    private static bool TryParseExpiry(string? text, out long? expiration)
    {
        expiration = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            expiration = seconds;
            return seconds > DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            expiration = when.ToUnixTimeSeconds();
            return when > DateTimeOffset.UtcNow;
        }

        return false;
    }

    private static int Print(JsonElement? result)
    {
        if (result is null)
        {
            return 1;
        }

        CommandJson.Print(result.Value);
        return 0;
    }

    private static int Done(JsonElement? result, string message)
    {
        if (result is null)
        {
            return 1;
        }

        Console.Out.WriteLine(message);
        return 0;
    }
}
