using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// The operator runs <c>ocm keys …</c> (the real executable) on the data directory of a running server: the server
/// publishes an added key and signs with an activated one without a restart; mistakes exit 2 with a reason.
/// </summary>
public sealed class ManagingKeysFromTheCommandLine : IAsyncLifetime
{
    private OcmTestServer _server = null!;
    private FakeOcmPeer _peer = null!;
    private HttpClient _alice = null!;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.0.74", new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        });
        _peer = await FakeOcmPeer.StartAsync(
            "127.0.0.75",
            async (context, _) =>
            {
                context.Response.StatusCode = StatusCodes.Status201Created;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"recipientDisplayName\":\"Carol\"}");
            },
            (document, baseUri) =>
            {
                document["capabilities"]!.AsArray().Add("http-sig");
                document["jwksUri"] = new Uri(baseUri, "jwks").ToString();
            });
        _alice = await _server.CreateUserAsync("alice");
        await _alice.PutFileAsync("alice", "one.txt", "1");
        await _alice.PutFileAsync("alice", "two.txt", "2");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _peer.DisposeAsync();
        await _server.DisposeAsync();
    }

    private Task<RunResult> KeysAsync(params string[] args) =>
        OcmProcess.RunAsync(["keys", .. args, "--data-dir", _server.DataDir, "--public-url", _server.BaseUri.ToString()]);

    private async Task<string> KeysOkAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await KeysAsync(args);
        Assert.True(exit == 0, $"ocm keys {string.Join(' ', args)} exited {exit}: {stderr}{stdout}");
        return stdout;
    }

    private async Task<JsonElement> KeysJsonAsync(params string[] args) => JsonDocument.Parse(await KeysOkAsync([.. args, "--json"])).RootElement.Clone();

    private async Task<Dictionary<string, JsonElement>> JwksAsync() =>
        (await _server.Client.GetJsonAsync("ocm/jwks")).GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("kid").GetString()!);

    /// <summary>alice shares <paramref name="file"/> with carol on the peer; returns the keyid the request was signed with.</summary>
    private async Task<string> KeyIdOfNextShareAsync(string file)
    {
        var before = _peer.Received.Count(r => r.Path == "/ocm/shares");
        await _alice.PostJsonAsync("api/v1/shares", new { path = "/" + file, shareWith = "carol@" + _peer.Authority }, 201);
        await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(_peer.Received.Count(r => r.Path == "/ocm/shares")), n => n > before, $"{file} to reach the peer");
        var input = _peer.Received.Where(r => r.Path == "/ocm/shares").Last().Headers["Signature-Input"];
        var start = input.IndexOf(";keyid=\"", StringComparison.Ordinal) + ";keyid=\"".Length;
        return input[start..input.IndexOf('"', start)];
    }

    [Fact]
    public async Task AddThenActivate_WhileServerRuns_PublishedAtOnceThenSignedWith()
    {
        var original = (await KeysJsonAsync("list")).EnumerateArray()
            .Single(k => k.GetProperty("use").GetString() == "rfc9421" && k.GetProperty("state").GetString() == "active");
        var originalKid = original.GetProperty("kid").GetString()!;

        var added = await KeysJsonAsync("add", "--alg", "ecdsa-p256-sha256");
        var kid = added.GetProperty("kid").GetString()!;
        Assert.Equal($"{_server.Authority}#{added.GetProperty("name").GetString()}", kid);
        Assert.Equal("pending", added.GetProperty("state").GetString());
        Assert.Equal("ecdsa-p256-sha256", added.GetProperty("algorithm").GetString());

        // Published at once by the running server, but not used yet.
        Assert.Equal("ES256", (await JwksAsync())[kid].GetProperty("alg").GetString());
        Assert.Equal(originalKid, await KeyIdOfNextShareAsync("one.txt"));

        var activated = await KeysOkAsync("activate", kid); // the full kid works as well as the name
        Assert.Contains($"Signing with {added.GetProperty("name").GetString()}", activated, StringComparison.Ordinal);
        Assert.Contains($"Key {original.GetProperty("name").GetString()} retired; it stays published until ", activated, StringComparison.Ordinal);

        Assert.Equal(kid, await KeyIdOfNextShareAsync("two.txt"));
        var jwks = await JwksAsync();
        Assert.Contains(originalKid, jwks.Keys);
        Assert.Contains(kid, jwks.Keys);

        var listed = (await KeysJsonAsync("list")).EnumerateArray().ToDictionary(k => k.GetProperty("kid").GetString()!);
        Assert.Equal("active", listed[kid].GetProperty("state").GetString());
        Assert.Equal("retired", listed[originalKid].GetProperty("state").GetString());
        Assert.True(listed[originalKid].GetProperty("published").GetBoolean());
        var retired = listed[originalKid].GetProperty("retired").GetDateTimeOffset();
        Assert.Equal(retired.AddMinutes(15), listed[originalKid].GetProperty("publishedUntil").GetDateTimeOffset());
    }

    [Fact]
    public async Task List_ShowsEveryKeyWithItsStateAndWhetherItIsPublished()
    {
        var stdout = await KeysOkAsync("list");

        var lines = stdout.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^NAME\s+ALGORITHM\s+USE\s+STATE\s+CREATED\s+ACTIVATED\s+RETIRED\s+PUBLISHED\s+KID$", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"\s\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s", l));
        Assert.Contains(lines, l => l.StartsWith("ed25519-", StringComparison.Ordinal) && l.Contains(" rfc9421 ", StringComparison.Ordinal)
            && l.Contains(" active ", StringComparison.Ordinal) && l.Contains(" yes ", StringComparison.Ordinal) && l.EndsWith($" {_server.Authority}#{l.Split(' ')[0]}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("cavage-rsa-", StringComparison.Ordinal) && l.Contains(" cavage ", StringComparison.Ordinal)
            && l.EndsWith($" https://{_server.Authority}/ocm#signature", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Mistakes_ExitTwoWithTheReason()
    {
        var active = (await KeysJsonAsync("list")).EnumerateArray()
            .Single(k => k.GetProperty("use").GetString() == "rfc9421" && k.GetProperty("state").GetString() == "active")
            .GetProperty("name").GetString()!;
        var withdrawn = (await KeysJsonAsync("add")).GetProperty("name").GetString()!;
        await KeysOkAsync("retire", withdrawn);

        var unknownTask = KeysAsync("activate", "ed25519-19700101-00000000");
        var retireActiveTask = KeysAsync("retire", active);
        var reviveTask = KeysAsync("activate", withdrawn);
        var symmetricTask = KeysAsync("add", "--alg", "hmac-sha256");
        var (unknown, retireActive, revive, symmetric) = (await unknownTask, await retireActiveTask, await reviveTask, await symmetricTask);

        Assert.Equal((2, "error: No key 'ed25519-19700101-00000000'. See 'ocm keys list'."), (unknown.ExitCode, unknown.StdErr.Trim()));
        Assert.Equal(2, retireActive.ExitCode);
        Assert.Contains("is the active signing key; activate another key first", retireActive.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, revive.ExitCode);
        Assert.Contains("is retired; add a new key", revive.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, symmetric.ExitCode);
        Assert.Contains("Unknown algorithm 'hmac-sha256'", symmetric.StdErr, StringComparison.Ordinal);

        // Nothing changed for peers: the same key signs.
        Assert.Equal($"{_server.Authority}#{active}", await KeyIdOfNextShareAsync("one.txt"));
    }
}
