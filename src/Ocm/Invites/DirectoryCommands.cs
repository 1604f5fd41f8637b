using System.CommandLine;
using System.Security.Cryptography;
using System.Text;

namespace Ocm.Invites;

/// <summary>
/// <c>ocm directory keygen|sign|verify</c>: run an OCM Directory Service (OCM Appendix C) — the signed list of servers
/// that WAYF pages offer. Works on files only (no data directory, no server): the signing key can stay on an offline
/// machine, and the signed list is published by any web server or by <c>ocm serve</c>
/// (<c>Ocm:Invites:PublishedDirectoryFile</c>, at <c>/directory.jws</c>).
/// </summary>
internal static class DirectoryCommands
{
    public static Command Create() => new("directory", "Run an OCM directory service: make a signing key, sign a list of servers, verify a signed list.")
    {
        KeyGen(),
        Sign(),
        Verify(),
    };

    private static Command KeyGen()
    {
        var key = KeyOption("File to write the new private key to (PEM, readable by its owner only). An existing file is never overwritten.");
        var command = new Command("keygen", "Make an ES256 (P-256) signing key; prints the public key to give to every WAYF operator.") { key };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(key)!;
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                await using var file = new StreamWriter(path, Encoding.ASCII, options);
                await file.WriteAsync(ecdsa.ExportPkcs8PrivateKeyPem());
            }
            catch (IOException ex) when (File.Exists(path))
            {
                return await FailAsync($"'{path}' exists already; a signing key is never overwritten ({ex.GetType().Name}).");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return await FailAsync($"cannot write '{path}': {ex.Message}");
            }

            await Console.Out.WriteAsync($"""
                Private key written to {path} (keep it offline; anyone holding it can sign lists in your name).
                Public key, for each WAYF page's Ocm:Invites:DirectoryServices:N:PublicKey (either form):
                {ecdsa.ExportSubjectPublicKeyInfoPem()}
                {DirectorySigner.PublicJwk(ecdsa)}

                """);
            return 0;
        });
        return command;
    }

    private static Command Sign()
    {
        var key = KeyOption("The private key made by 'ocm directory keygen' (PEM).");
        var federation = new Option<string>("--federation") { Description = "The federation's name, shown above its servers.", Required = true, HelpName = "name" };
        var servers = new Option<string[]>("--server")
        {
            Description = "A server: its base URL, optionally '=' and the name to show, e.g. https://cloud.example.org=Example University. Repeat for each.",
            HelpName = "url[=name]",
            AllowMultipleArgumentsPerToken = false,
        };
        var serversFile = new Option<string?>("--servers-file")
        {
            Description = "A file with one server per line: the URL, a space and the name to show ('#' starts a comment).",
            HelpName = "file",
        };
        var output = new Option<string>("--out") { Description = "Where to write the signed list (JWS, JSON serialization).", Required = true, HelpName = "file" };
        var command = new Command("sign", "Sign a list of servers (OCM Appendix C) with the directory's private key.") { key, federation, servers, serversFile, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var entries = new List<DirectoryEntry>();
            foreach (var server in parse.GetValue(servers) ?? [])
            {
                var equals = server.IndexOf('=', StringComparison.Ordinal);
                entries.Add(equals < 0 ? new DirectoryEntry(server, "") : new DirectoryEntry(server[..equals], server[(equals + 1)..]));
            }

            if (parse.GetValue(serversFile) is { } listFile)
            {
                if (!File.Exists(listFile))
                {
                    return await FailAsync($"there is no file '{listFile}'.");
                }

                foreach (var line in await File.ReadAllLinesAsync(listFile, cancellationToken))
                {
                    var text = line.Trim();
                    if (text.Length == 0 || text.StartsWith('#'))
                    {
                        continue;
                    }

                    var space = text.IndexOfAny([' ', '\t']);
                    entries.Add(space < 0 ? new DirectoryEntry(text, "") : new DirectoryEntry(text[..space], text[(space + 1)..]));
                }
            }

            if (entries.Count == 0)
            {
                return await FailAsync("no servers to list: give --server or --servers-file.");
            }

            using var ecdsa = ECDsa.Create();
            var keyPath = parse.GetValue(key)!;
            try
            {
                ecdsa.ImportFromPem(await File.ReadAllTextAsync(keyPath, cancellationToken));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or CryptographicException)
            {
                return await FailAsync($"cannot read a private key from '{keyPath}': {ex.Message}");
            }

            string document;
            try
            {
                document = DirectorySigner.Sign(ecdsa, parse.GetValue(federation)!, entries);
            }
            catch (DirectoryListException ex)
            {
                return await FailAsync(ex.Message + ".");
            }
            catch (CryptographicException ex)
            {
                return await FailAsync($"'{keyPath}' holds no private key that can sign ({ex.Message}).");
            }

            var outPath = parse.GetValue(output)!;
            var temporary = outPath + ".tmp";
            await File.WriteAllTextAsync(temporary, document, cancellationToken);
            File.Move(temporary, outPath, overwrite: true); // whoever serves the file never sees half a list
            await Console.Out.WriteLineAsync($"Signed '{parse.GetValue(federation)!.Trim()}' with {entries.Count} server(s) into {outPath}.");
            return 0;
        });
        return command;
    }

    private static Command Verify()
    {
        var file = new Argument<string>("file") { Description = "The signed list (JWS), as fetched from the directory service." };
        var publicKey = new Option<string>("--public-key")
        {
            Description = "The directory's public key: a PEM file, or the key itself (PEM, base64 DER or JWK).",
            Required = true,
            HelpName = "key",
        };
        var command = new Command("verify", "Check a signed list with the directory's public key, as a WAYF page does, and print its servers.") { file, publicKey };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                return await FailAsync($"there is no file '{path}'.");
            }

            var keyText = parse.GetValue(publicKey)!;
            if (File.Exists(keyText))
            {
                keyText = await File.ReadAllTextAsync(keyText, cancellationToken);
            }

            if (!DirectoryServiceKey.TryParse(keyText, out var key, out var keyError))
            {
                return await FailAsync($"the public key is not usable: {keyError}.");
            }

            using (key)
            {
                var skipped = new List<string>();
                if (!DirectoryJws.TryVerify(await File.ReadAllBytesAsync(path, cancellationToken), key, out var listing, out var error, skipped))
                {
                    return await FailAsync($"the list does not verify: {error}.");
                }

                await Console.Out.WriteLineAsync($"Verified: federation '{listing.Federation}', {listing.Servers.Count} server(s).");
                foreach (var server in listing.Servers)
                {
                    await Console.Out.WriteLineAsync($"  {server.Url}  {server.DisplayName}");
                }

                foreach (var entry in skipped)
                {
                    await Console.Out.WriteLineAsync($"  skipped: {entry}");
                }
            }

            return 0;
        });
        return command;
    }

    private static Option<string> KeyOption(string description) => new("--key") { Description = description, Required = true, HelpName = "file" };

    private static async Task<int> FailAsync(string message)
    {
        await Console.Error.WriteLineAsync("error: " + message);
        return 1;
    }
}
