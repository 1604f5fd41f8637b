using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Protocol.Signatures;
using Ocm.Signatures;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// Server A rotates its signing key while it federates with server B (published before it signs, kept until peers' freshness windows are over): A's operator runs
/// <c>ocm keys add</c> and <c>ocm keys activate</c> against A's data directory while A runs; A signs with the new key
/// at once, B re-fetches A's JWK Set on the unknown kid and keeps accepting, and a request A signed just before the
/// switch still verifies because the old key stays published for the grace period.
/// </summary>
public sealed class RotatingServerKeys : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["Ocm:Delivery:PollSeconds"] = "0.1",
        ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
        ["Ocm:Delivery:MaxRetrySeconds"] = "1",
    };

    private readonly ShiftedClock _clockOfB = new();
    private OcmTestServer _a = null!;
    private OcmTestServer _b = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;

    public async Task InitializeAsync()
    {
        _a = await OcmTestServer.StartAsync("127.0.0.70", Fast);
        _b = await OcmTestServer.StartAsync(
            "127.0.0.71",
            new Dictionary<string, string?>(Fast) { ["Ocm:Security:RequireSignatures"] = "true" },
            services => services.AddSingleton<TimeProvider>(_clockOfB));
        _alice = await _a.CreateUserAsync("alice");
        _bob = await _b.CreateUserAsync("bob");
        await _alice.PutFileAsync("alice", "before.txt", "signed with the first key");
        await _alice.PutFileAsync("alice", "after.txt", "signed with the second key");
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private async Task ShareWithBobAsync(string file)
    {
        await _alice.PostJsonAsync("api/v1/shares", new { path = "/" + file, shareWith = "bob@" + _b.Authority, permissions = new[] { "read" } }, 201);
        await OcmTestServerExtensions.EventuallyAsync(
            SharesBobSeesAsync, names => names.Contains(file), $"{file} to reach bob on B");
    }

    private async Task<IReadOnlyList<string>> SharesBobSeesAsync() =>
        [.. (await _bob.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private async Task<string> KeysAsync(params string[] args)
    {
        var (exit, stdout, stderr) = await OcmProcess.RunAsync(["keys", .. args, "--data-dir", _a.DataDir, "--public-url", _a.BaseUri.ToString()]);
        Assert.True(exit == 0, $"ocm keys {string.Join(' ', args)} exited {exit}: {stderr}{stdout}");
        return stdout;
    }

    private async Task<IReadOnlyList<string>> KidsPublishedByAAsync() =>
        [.. (await _a.Client.GetJsonAsync("ocm/jwks")).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()!)];

    [Fact]
    public async Task AddAndActivateWhileFederating_PeerKeepsAcceptingAcrossTheSwitch()
    {
        var keysOfA = _a.GetRequiredService<ServerKeyStore>();
        var oldKid = keysOfA.ActiveSigningKey.KeyId!;
        await ShareWithBobAsync("before.txt"); // B now has A's JWK Set cached

        // A request A signs with the old key just before the switch, delivered only after it.
        var inFlight = SigningPeer.ShareMessage(new Uri(_b.BaseUri, "ocm/shares"), "bob@" + _b.Authority, "alice@" + _a.Authority, "in-flight.txt");
        new OcmRequestSigner(keysOfA.ActiveSigningKey).Sign(inFlight);
        Assert.Contains($"keyid=\"{oldKid}\"", inFlight.Headers.GetCombinedValue("Signature-Input"), StringComparison.Ordinal);

        using (var added = JsonDocument.Parse(await KeysAsync("add", "--json")))
        {
            var name = added.RootElement.GetProperty("name").GetString()!;
            var newKid = added.RootElement.GetProperty("kid").GetString()!;
            Assert.Equal("pending", added.RootElement.GetProperty("state").GetString());
            Assert.Contains(newKid, await KidsPublishedByAAsync()); // published before use
            Assert.Equal(oldKid, keysOfA.ActiveSigningKey.KeyId);

            var activated = await KeysAsync("activate", name);
            Assert.Contains($"Signing with {name}", activated, StringComparison.Ordinal);

            // The running server re-reads the keys within seconds: it signs with the new key, and publishes both.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (keysOfA.ActiveSigningKey.KeyId != newKid && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.Equal(newKid, keysOfA.ActiveSigningKey.KeyId);
            var published = await KidsPublishedByAAsync();
            Assert.Contains(newKid, published);
            Assert.Contains(oldKid, published);
        }

        // B fetched A's JWK Set for the first share; past its re-fetch interval (30 s) it looks again on an unknown kid.
        _clockOfB.Advance(TimeSpan.FromSeconds(31));
        await ShareWithBobAsync("after.txt");

        var (status, body) = await SigningPeer.SendAsync(inFlight);
        Assert.True(status == 201, $"the request signed with the retired key: {status} {body}");
        Assert.Contains("in-flight.txt", await SharesBobSeesAsync());
    }
}
