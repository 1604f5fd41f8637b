using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ocm.Hosting;
using Ocm.Protocol.Signatures.Keys;

namespace Ocm.Signatures;

/// <summary>
/// <c>ocm keys list|add|activate|retire</c>: the server's own signing keys (<see cref="ServerKeyStore"/>) in the
/// database. Works whether or not the server runs (see <see cref="OfflineHost"/>); every running node re-reads the keys
/// within <see cref="ServerKeyStore.RefreshInterval"/> of a change. Rotation (publish a key before signing with it, keep it until peers' freshness windows are over): <c>add</c> publishes a
/// pending key in the JWK Set, <c>activate</c> signs with it and retires the previous key, which stays published for
/// <see cref="ServerKeyStore.RetiredKeyGrace"/> so that signatures made just before still verify.
/// Exit codes: 0 success, 2 usage error (unknown key or algorithm, key in the wrong state), 1 any other failure.
/// </summary>
internal static class KeyCommands
{
    private const int ExitFailure = 1;
    private const int ExitUsage = 2;

    /// <summary>How long a key should be published before it signs: peers' re-fetch interval on an unknown kid, and some.</summary>
    private static readonly TimeSpan RecommendedPendingTime = TimeSpan.FromMinutes(1);

    /// <summary>Algorithms <c>add</c> offers: asymmetric, with an RFC 9421 name (OCM §Keys and Algorithms). Ed25519 is recommended.</summary>
    private static readonly string[] Algorithms = ["ed25519", "ecdsa-p256-sha256", "ecdsa-p384-sha384", "rsa-pss-sha512", "rsa-v1_5-sha256"];

    public static Command Create() => new(
        "keys",
        "Manage the server's HTTP Message Signature keys (published at /ocm/jwks): list, add, activate, retire. "
        + "Works while the server runs; every node picks up changes within seconds.")
    {
        List(),
        Add(),
        Activate(),
        Retire(),
    };

    private static Command List()
    {
        var json = JsonOption();
        var command = new Command(
            "list",
            "List the keys: name, algorithm, use (rfc9421 JWK Set or the legacy draft-cavage discovery publicKey), state, "
            + "created/activated/retired times (UTC), whether peers can still find it, and the published kid.")
        { json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, keys =>
        {
            var listing = keys.List().Select(k => Describe(keys, k)).ToList();
            if (parse.GetValue(json))
            {
                CommandJson.Write(listing, KeyCommandsJsonContext.Default.ListKeyListing);
                return Task.CompletedTask;
            }

            var table = new ConsoleTable(
                ConsoleTable.Left("NAME"), ConsoleTable.Left("ALGORITHM"), ConsoleTable.Left("USE"), ConsoleTable.Left("STATE"), ConsoleTable.Left("CREATED"),
                ConsoleTable.Left("ACTIVATED"), ConsoleTable.Left("RETIRED"), ConsoleTable.Left("PUBLISHED"), ConsoleTable.Left("KID"));
            foreach (var key in listing)
            {
                var published = key.Published ? key.PublishedUntil is { } until ? "until " + Format(until) : "yes" : "no";
                table.Add(key.Name, key.Algorithm, key.Use, key.State, key.Created, Format(key.Activated), Format(key.Retired), published, key.Kid);
            }

            table.Write("No keys.");
            return Task.CompletedTask;
        }, cancellationToken));
        return command;
    }

    private static Command Add()
    {
        var algorithm = new Option<string>("--alg")
        {
            Description = $"Algorithm of the new key: {string.Join(", ", Algorithms)}. Ed25519 is what OCM recommends.",
            HelpName = "alg",
            DefaultValueFactory = _ => "ed25519",
        };
        var json = JsonOption();
        var command = new Command(
            "add",
            "Generate a key and publish it as pending: peers can fetch it from the JWK Set, but nothing is signed with it "
            + "until 'ocm keys activate'.")
        { algorithm, json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async keys =>
        {
            var name = parse.GetValue(algorithm)!.Trim().ToLowerInvariant();
            if (!Algorithms.Contains(name) || !HttpSignatureAlgorithms.TryParseRfc9421Name(name, out var parsed))
            {
                throw new ServerKeyException($"Unknown algorithm '{name}'; use one of {string.Join(", ", Algorithms)}.");
            }

            var added = Describe(keys, await keys.AddAsync(parsed, cancellationToken));
            if (parse.GetValue(json))
            {
                CommandJson.Write(added, KeyCommandsJsonContext.Default.KeyListing);
                return;
            }

            await Console.Out.WriteLineAsync($"Added key {added.Name} ({added.Algorithm}), pending: published in the JWK Set, not used for signing yet.");
            await Console.Out.WriteLineAsync($"kid: {added.Kid}");
            await Console.Out.WriteLineAsync(
                $"Switch to it with 'ocm keys activate {added.Name}'; waiting a few minutes first lets peers' JWK Set caches pick it up "
                + "(peers also re-fetch on an unknown kid).");
        }, cancellationToken));
        return command;
    }

    private static Command Activate()
    {
        var key = KeyArgument();
        var json = JsonOption();
        var command = new Command(
            "activate",
            "Sign with KEY from now on. The key signing until now is retired but stays published for "
            + $"{ServerKeyStore.RetiredKeyGrace.TotalMinutes} minutes, so requests it signed just before still verify.")
        { key, json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async keys =>
        {
            var previous = keys.List().FirstOrDefault(k => k.Purpose == ServerKeyStore.PurposeRfc9421 && k.State == ServerKeyState.Active);
            var activated = await keys.ActivateAsync(parse.GetValue(key)!, cancellationToken);
            var retired = previous is not null && previous.KeyId != activated.KeyId
                ? keys.List().FirstOrDefault(k => k.KeyId == previous.KeyId)
                : null;
            if (parse.GetValue(json))
            {
                var changed = new List<KeyListing> { Describe(keys, activated) };
                if (retired is not null)
                {
                    changed.Add(Describe(keys, retired));
                }

                CommandJson.Write(changed, KeyCommandsJsonContext.Default.ListKeyListing);
                return;
            }

            if (retired is null)
            {
                await Console.Out.WriteLineAsync($"Key {activated.KeyId} was already the active signing key.");
                return;
            }

            await Console.Out.WriteLineAsync($"Signing with {activated.KeyId} (kid {keys.PublishedKeyId(activated)}) from now on.");
            await Console.Out.WriteLineAsync($"Key {retired.KeyId} retired; it stays published until {Format(ServerKeyStore.PublishedUntil(retired))}.");
            var published = (activated.Activated ?? activated.Created) - activated.Created;
            if (published < RecommendedPendingTime)
            {
                // Peers re-fetch a JWK Set on an unknown kid, but rate-limited (ours: once per 30 s per peer).
                await Console.Error.WriteLineAsync(
                    $"note: {activated.KeyId} was published only {(int)published.TotalSeconds} s ago; a peer that fetched this server's JWK Set "
                    + "just before may refuse its signatures until it fetches again. Next time, wait a minute between 'add' and 'activate'.");
            }
        }, cancellationToken));
        return command;
    }

    private static Command Retire()
    {
        var key = KeyArgument();
        var json = JsonOption();
        var command = new Command(
            "retire",
            "Withdraw a pending KEY (the active key is replaced with 'activate'). It stays published for "
            + $"{ServerKeyStore.RetiredKeyGrace.TotalMinutes} minutes.")
        { key, json };
        var data = DataDirOptions.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(data, parse, async keys =>
        {
            var retired = Describe(keys, await keys.RetireAsync(parse.GetValue(key)!, cancellationToken));
            if (parse.GetValue(json))
            {
                CommandJson.Write(retired, KeyCommandsJsonContext.Default.KeyListing);
                return;
            }

            await Console.Out.WriteLineAsync(retired.Published
                ? $"Key {retired.Name} retired; it stays published until {Format(retired.PublishedUntil)}."
                : $"Key {retired.Name} is retired and no longer published.");
        }, cancellationToken));
        return command;
    }

    private static KeyListing Describe(ServerKeyStore keys, ServerKeyInfo key) => new(
        key.KeyId,
        keys.PublishedKeyId(key),
        key.Algorithm,
        key.Purpose.Name(),
        key.State.ToString().ToLowerInvariant(),
        key.Created,
        key.Activated,
        key.Retired,
        keys.IsPublished(key),
        key.Purpose == ServerKeyStore.PurposeRfc9421 ? ServerKeyStore.PublishedUntil(key) : null);

    private static string Format(DateTimeOffset? time) => CommandTime.Format(time);

    private static Option<bool> JsonOption() => CommandJson.Switch();

    private static Argument<string> KeyArgument() => new("key")
    {
        Description = "The key's name as 'ocm keys list' shows it (e.g. ed25519-20261128-1a2b3c4d), or its published kid.",
    };

    private static async Task<int> RunAsync(DataDirOptions data, ParseResult parse, Func<ServerKeyStore, Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
            await action(host.Services.GetRequiredService<ServerKeyStore>());
            return 0;
        }
        catch (OcmStartupException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (ServerKeyException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ExitUsage;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or JsonException or CryptographicException
            or DeploymentSecretMismatchException)
        {
            await Console.Error.WriteLineAsync($"error: the signing keys cannot be used: {ex.Message}");
            return ExitFailure;
        }
    }
}

/// <summary>One key as <c>ocm keys … --json</c> prints it.</summary>
internal sealed record KeyListing(
    string Name,
    string Kid,
    string Algorithm,
    string Use,
    string State,
    DateTimeOffset Created,
    DateTimeOffset? Activated,
    DateTimeOffset? Retired,
    bool Published,
    DateTimeOffset? PublishedUntil);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(KeyListing))]
[JsonSerializable(typeof(List<KeyListing>))]
internal sealed partial class KeyCommandsJsonContext : JsonSerializerContext;
