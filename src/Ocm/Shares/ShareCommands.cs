using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ocm.Hosting;

namespace Ocm.Shares;

/// <summary>
/// <c>ocm share create|list|show|update|delete</c> and <c>ocm received list|accept|decline|leave</c>: the sharing API for
/// scripts and operators, against a running server as a user (<see cref="ServerConnection"/>). People get a table or a
/// sentence; <c>--json</c> gives scripts the API's answer.
/// </summary>
internal static class ShareCommands
{
    public static Command CreateShare()
    {
        var share = new Command("share", "Share files with users on other OCM servers (talks to a running server).");

        var create = new Command("create", "Share a file or folder: ocm share create PATH bob@cloud.example.org");
        var path = new Argument<string>("path") { Description = "Path in your tree, e.g. /Documents/report.pdf" };
        var with = new Argument<string>("share-with") { Description = "Recipient's OCM address, e.g. bob@cloud.example.org" };
        var permissions = PermissionOption("What the recipient may do: read, write or share (repeatable). Without it: read.");
        var expires = new Option<string?>("--expires") { Description = "Expiry: Unix seconds or an ISO 8601 date/time (UTC unless a zone is given).", HelpName = "time" };
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

            return await createConnection.RunAsync(parse, async api =>
            {
                var body = new Dictionary<string, object?>
                {
                    ["path"] = parse.GetValue(path),
                    ["shareWith"] = parse.GetValue(with),
                    ["permissions"] = parse.GetValue(permissions) is { Length: > 0 } p ? p : null,
                    ["expiration"] = expiration,
                };
                var created = await api.SendAsync(HttpMethod.Post, "api/v1/shares", body, ct);
                return Print(api, created, SharesApiJsonContext.Default.ShareView, s =>
                {
                    if (s.ReshareRequest)
                    {
                        // OCM §Resharing: what was shared with you is shared further by its owner's server, on request.
                        Console.Out.WriteLine($"Asked the owner's server to share {s.Path ?? s.Name} with {s.ShareWith} ({string.Join(", ", s.Permissions)}): reshare {s.Id}, {s.State}.");
                        return;
                    }

                    var typed = s.NormalizedFrom is { } from ? $" (you typed '{from}')" : "";
                    Console.Out.WriteLine($"Shared {s.Path ?? s.Name} with {s.ShareWith}{typed} ({string.Join(", ", s.Permissions)}): share {s.Id}, {s.State}.");
                    if (s.LastError is not null)
                    {
                        Console.Out.WriteLine(DeliveryNote(s));
                    }
                });
            }, ct);
        });
        share.Subcommands.Add(create);

        var list = new Command("list", "List your outgoing shares and their delivery state.");
        var listConnection = ServerConnection.AddTo(list);
        list.SetAction((parse, ct) => listConnection.RunAsync(parse, async api =>
            Print(api, await api.GetAsync("api/v1/shares", ct), SharesApiJsonContext.Default.ListShareView, shares =>
            {
                var table = new ConsoleTable(
                    ConsoleTable.Right("ID"), ConsoleTable.Left("PATH"), ConsoleTable.Left("SHARED WITH"), ConsoleTable.Left("PERMISSIONS"),
                    ConsoleTable.Left("STATE"), ConsoleTable.Left("EXPIRES"), ConsoleTable.Left("CREATED"));
                foreach (var s in shares)
                {
                    table.Add(s.Id, s.Path ?? $"({s.Name}, deleted)", s.ShareWith, string.Join(",", s.Permissions), s.State, CommandTime.FromUnixSeconds(s.Expiration), s.Created);
                }

                table.Write("No outgoing shares.");
                foreach (var s in shares.Where(s => s.LastError is not null))
                {
                    Console.Out.WriteLine();
                    Console.Out.WriteLine(DeliveryNote(s));
                }
            }), ct));
        share.Subcommands.Add(list);

        var show = new Command("show", "Show one outgoing share: its state and, while it waits for delivery, why and the next attempt.");
        var showId = IdArgument("The share's id, as 'ocm share list' shows it.");
        show.Arguments.Add(showId);
        var showConnection = ServerConnection.AddTo(show);
        show.SetAction((parse, ct) => showConnection.RunAsync(parse, async api =>
            Print(api, await api.GetAsync($"api/v1/shares/{parse.GetValue(showId)}", ct), SharesApiJsonContext.Default.ShareView, s =>
            {
                var table = new ConsoleTable(ConsoleTable.Left("FIELD"), ConsoleTable.Left("VALUE"));
                table.Add("id", s.Id);
                table.Add("path", s.Path ?? $"({s.Name}, deleted)");
                table.Add("shared with", s.RecipientDisplayName is { } name ? $"{s.ShareWith} ({name})" : s.ShareWith);
                table.Add("permissions", string.Join(",", s.Permissions));
                table.Add("state", s.State);
                table.Add("expires", CommandTime.FromUnixSeconds(s.Expiration));
                table.Add("created", s.Created);
                table.Write("");
                if (s.LastError is not null)
                {
                    Console.Out.WriteLine();
                    Console.Out.WriteLine(DeliveryNote(s));
                }
            }), ct));
        share.Subcommands.Add(show);

        var update = new Command("update", "Change permissions or expiry of a share.");
        var updateId = IdArgument("The share's id, as 'ocm share list' shows it.");
        var updatePermissions = PermissionOption("New permissions, replacing the old ones: read, write or share (repeatable).");
        var updateExpires = new Option<string?>("--expires") { Description = "New expiry (Unix seconds or ISO 8601), or 'never'.", HelpName = "time" };
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

            return await updateConnection.RunAsync(parse, async api =>
            {
                var body = new Dictionary<string, object?>
                {
                    ["permissions"] = parse.GetValue(updatePermissions) is { Length: > 0 } p ? p : null,
                    ["expiration"] = expiration,
                };
                var updated = await api.SendAsync(HttpMethod.Patch, $"api/v1/shares/{parse.GetValue(updateId)}", body, ct);
                return Print(api, updated, SharesApiJsonContext.Default.ShareView, s =>
                    Console.Out.WriteLine($"Share {s.Id} updated: {string.Join(", ", s.Permissions)}, expires {CommandTime.FromUnixSeconds(s.Expiration)}."));
            }, ct);
        });
        share.Subcommands.Add(update);

        var delete = new Command("delete", "Revoke a share (access ends at once; the recipient's server is told).");
        var deleteId = IdArgument("The share's id, as 'ocm share list' shows it.");
        delete.Arguments.Add(deleteId);
        var deleteConnection = ServerConnection.AddTo(delete);
        delete.SetAction((parse, ct) => deleteConnection.RunAsync(parse, async api =>
        {
            var id = parse.GetValue(deleteId);
            await api.SendAsync(HttpMethod.Delete, $"api/v1/shares/{id}", null, ct);
            return Done(api, id, $"Share {id} revoked.");
        }, ct));
        share.Subcommands.Add(delete);
        return share;
    }

    public static Command CreateReceived()
    {
        var received = new Command("received", "Shares others offered you (talks to a running server).");

        var list = new Command("list", "List received shares.");
        var state = new Option<string?>("--state") { Description = "Only shares in this state: pending, accepted, declined or unshared.", HelpName = "state" };
        list.Options.Add(state);
        var listConnection = ServerConnection.AddTo(list);
        list.SetAction((parse, ct) => listConnection.RunAsync(parse, async api =>
        {
            var query = parse.GetValue(state) is { } s ? "?state=" + Uri.EscapeDataString(s) : "";
            return Print(api, await api.GetAsync("api/v1/received-shares" + query, ct), SharesApiJsonContext.Default.ListReceivedShareView, shares =>
            {
                var table = new ConsoleTable(
                    ConsoleTable.Right("ID"), ConsoleTable.Left("NAME"), ConsoleTable.Left("FROM"), ConsoleTable.Left("PERMISSIONS"),
                    ConsoleTable.Left("STATE"), ConsoleTable.Left("IN YOUR FILES"), ConsoleTable.Left("EXPIRES"), ConsoleTable.Left("RECEIVED"));
                foreach (var r in shares)
                {
                    table.Add(r.Id, r.Name, r.Sender, string.Join(",", r.Permissions), r.Quarantined ? r.State + " (unknown sender)" : r.State,
                        r.Path, CommandTime.FromUnixSeconds(r.Expiration), r.Created);
                }

                table.Write("No received shares.");
            });
        }, ct));
        received.Subcommands.Add(list);

        foreach (var (name, description, verb) in new[]
        {
            ("accept", "Accept a share; it appears in your files.", "Accepted"),
            ("decline", "Decline a share.", "Declined"),
        })
        {
            var command = new Command(name, description);
            var id = IdArgument("The received share's id, as 'ocm received list' shows it.");
            command.Arguments.Add(id);
            var connection = ServerConnection.AddTo(command);
            command.SetAction((parse, ct) => connection.RunAsync(parse, async api =>
            {
                var answer = await api.SendAsync(HttpMethod.Post, $"api/v1/received-shares/{parse.GetValue(id)}/{name}", null, ct);
                return Print(api, answer, SharesApiJsonContext.Default.ReceivedShareView, r => Console.Out.WriteLine(
                    $"{verb} share {r.Id}, '{r.Name}' from {r.Sender}" + (r.Path is { } where && name == "accept" ? $": it is at {where} in your files." : ".")));
            }, ct));
            received.Subcommands.Add(command);
        }

        var leave = new Command("leave", "Remove a received share from your files (the owner is told).");
        var leaveId = IdArgument("The received share's id, as 'ocm received list' shows it.");
        leave.Arguments.Add(leaveId);
        var leaveConnection = ServerConnection.AddTo(leave);
        leave.SetAction((parse, ct) => leaveConnection.RunAsync(parse, async api =>
        {
            var id = parse.GetValue(leaveId);
            await api.SendAsync(HttpMethod.Delete, $"api/v1/received-shares/{id}", null, ct);
            return Done(api, id, $"Left share {id}.");
        }, ct));
        received.Subcommands.Add(leave);

        var copy = new Command("copy", "Copy an accepted share into your own files in the background (OCM datatx); 'ocm received transfers' shows how far it is.");
        var copyId = IdArgument("The received share's id, as 'ocm received list' shows it.");
        var to = new Option<string?>("--to") { Description = "Where the copy goes in your files; it must not exist yet. Default /{share name}.", HelpName = "path" };
        copy.Arguments.Add(copyId);
        copy.Options.Add(to);
        var copyConnection = ServerConnection.AddTo(copy);
        copy.SetAction((parse, ct) => copyConnection.RunAsync(parse, async api =>
        {
            var answer = await api.SendAsync(HttpMethod.Post, $"api/v1/received-shares/{parse.GetValue(copyId)}/copy", new RemoteShares.StartTransferRequest(parse.GetValue(to)), ct);
            return Print(api, answer, RemoteShares.TransfersApiJsonContext.Default.ShareTransferView, t => Console.Out.WriteLine(
                $"Copying '{t.ShareName}' to {t.Destination} (transfer {t.Id}); 'ocm received transfers' shows its progress."));
        }, ct));
        received.Subcommands.Add(copy);

        var transfers = new Command("transfers", "Your copies of received shares: progress, and done or failed with the reason.");
        var transfersConnection = ServerConnection.AddTo(transfers);
        transfers.SetAction((parse, ct) => transfersConnection.RunAsync(parse, async api =>
            Print(api, await api.GetAsync("api/v1/transfers", ct), RemoteShares.TransfersApiJsonContext.Default.ListShareTransferView, list =>
            {
                var table = new ConsoleTable(
                    ConsoleTable.Right("ID"), ConsoleTable.Left("SHARE"), ConsoleTable.Left("TO"), ConsoleTable.Left("STATE"),
                    ConsoleTable.Right("BYTES"), ConsoleTable.Right("FILES"), ConsoleTable.Left("VERIFIED BY"), ConsoleTable.Left("REASON"));
                foreach (var t in list)
                {
                    table.Add(t.Id, t.ShareName, t.Destination, t.State, $"{t.BytesDone}/{t.BytesTotal}", $"{t.FilesDone}/{t.FilesTotal}", t.Verification, t.Error);
                }

                table.Write("No copies of received shares.");
            }), ct));
        received.Subcommands.Add(transfers);
        return received;
    }

    /// <summary>Why a share has not arrived yet and when it is tried again, in a sentence.</summary>
    private static string DeliveryNote(ShareView share) => share.NextAttemptAt is { } next
        ? $"Share {share.Id} not delivered yet: {share.LastError} Next attempt {CommandTime.Format(next)}."
        : $"Share {share.Id}: {share.LastError}";

    internal static Option<string[]> PermissionOption(string description) => new("--permission", "-p")
    {
        Description = description,
        HelpName = "permission",
        AllowMultipleArgumentsPerToken = true,
    };

    internal static Argument<long> IdArgument(string description) => new("id") { Description = description };

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

    internal static int Print<T>(ApiClient api, JsonElement answer, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, Action<T> forPeople)
    {
        if (api.Json)
        {
            CommandJson.Write(answer);
        }
        else
        {
            forPeople(answer.Deserialize(typeInfo) ?? throw new CommandException("The server's answer is empty."));
        }

        return 0;
    }

    /// <summary>For answers without a body (204): a sentence, or with <c>--json</c> what was done to which id.</summary>
    internal static int Done(ApiClient api, long id, string sentence)
    {
        if (api.Json)
        {
            using var done = JsonDocument.Parse($$"""{"id":{{id.ToString(CultureInfo.InvariantCulture)}},"done":true}""");
            CommandJson.Write(done.RootElement);
        }
        else
        {
            Console.Out.WriteLine(sentence);
        }

        return 0;
    }
}
