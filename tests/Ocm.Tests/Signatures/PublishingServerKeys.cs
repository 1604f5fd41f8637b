using System.Runtime.Versioning;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Signatures;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// What peers can learn about our keys (OCM §Keys and Algorithms, §OCM API Discovery): the JWK Set at <c>/ocm/jwks</c> (and the -05 path
/// <c>/.well-known/jwks.json</c>) lists pending, active and recently retired keys, never a private part; discovery
/// advertises <c>jwksUri</c>, <c>http-sig</c>, the legacy <c>publicKey</c>, and <c>must-use-http-sig</c> when
/// signatures are required. The private keys on disk are readable by the server user only.
/// </summary>
[UnsupportedOSPlatform("windows")] // Unix file modes
public sealed class PublishingServerKeys : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private OcmTestServer _server = null!;

    private ServerKeyStore Keys => _server.GetRequiredService<ServerKeyStore>();

    private string KeysDirectory => Path.Combine(_server.DataDir, "keys");

    public async Task InitializeAsync() => _server = await OcmTestServer.StartAsync(
        "127.0.0.72",
        new Dictionary<string, string?> { ["Ocm:Security:RequireSignatures"] = "true" },
        services => services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Kid(ServerKeyInfo key) => Keys.PublishedKeyId(key);

    private async Task<Dictionary<string, JsonElement>> JwksAsync(string path = "ocm/jwks")
    {
        using var response = await _server.Client.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}");
        Assert.Equal("application/jwk-set+json", response.Content.Headers.ContentType?.MediaType);
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return json.GetProperty("keys").EnumerateArray().ToDictionary(k => k.GetProperty("kid").GetString()!);
    }

    [Fact]
    public async Task Jwks_ListsPendingActiveAndRecentlyRetiredKeys_UntilTheGracePeriodEnds()
    {
        var first = Keys.List().Single(k => k.Purpose == ServerKeyStore.PurposeRfc9421);
        var withdrawn = Keys.Add(HttpSignatureAlgorithm.EcdsaP256Sha256);
        var second = Keys.Add(HttpSignatureAlgorithm.Ed25519);
        Keys.Activate(second.KeyId);
        var pending = Keys.Add(HttpSignatureAlgorithm.RsaPssSha512);
        Keys.Retire(withdrawn.KeyId);

        var published = await JwksAsync();

        Assert.Equal(
            new[] { Kid(first), Kid(withdrawn), Kid(second), Kid(pending) }.Order(),
            published.Keys.Order());
        Assert.Equal("Ed25519", published[Kid(first)].GetProperty("alg").GetString());
        Assert.Equal("ES256", published[Kid(withdrawn)].GetProperty("alg").GetString());
        Assert.Equal("Ed25519", published[Kid(second)].GetProperty("alg").GetString());
        Assert.Equal("PS512", published[Kid(pending)].GetProperty("alg").GetString());
        Assert.All(published.Values, key => Assert.False(key.TryGetProperty("d", out _), "a private key part is published"));
        Assert.Equal(published.Keys.Order(), (await JwksAsync(".well-known/jwks.json")).Keys.Order());

        // Retired keys stay for the grace period (longer than any freshness window), then disappear.
        _clock.Advance(ServerKeyStore.RetiredKeyGrace - TimeSpan.FromMinutes(1));
        Assert.Equal(4, (await JwksAsync()).Count);
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(new[] { Kid(second), Kid(pending) }.Order(), (await JwksAsync()).Keys.Order());
    }

    [Fact]
    public async Task Discovery_AdvertisesJwksUriHttpSigLegacyPublicKeyAndMustUseHttpSig()
    {
        var discovery = await _server.Client.GetJsonAsync(".well-known/ocm");

        Assert.Equal(new Uri(_server.BaseUri, "ocm/jwks").ToString(), discovery.GetProperty("jwksUri").GetString());
        Assert.Contains("http-sig", discovery.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("must-use-http-sig", discovery.GetProperty("criteria").EnumerateArray().Select(c => c.GetString()));
        var (cavageKey, cavageKeyId) = Keys.CavageKey;
        Assert.Equal($"https://{_server.Authority}/ocm#signature", cavageKeyId);
        Assert.Equal(cavageKeyId, discovery.GetProperty("publicKey").GetProperty("keyId").GetString());
        Assert.Equal(cavageKey.ExportPublicKeyPem(), discovery.GetProperty("publicKey").GetProperty("publicKeyPem").GetString());
    }

    [Fact]
    public async Task Discovery_SignaturesNotRequired_NoMustUseHttpSig()
    {
        await using var lenient = await OcmTestServer.StartAsync("127.0.0.73");

        var discovery = await lenient.Client.GetJsonAsync(".well-known/ocm");

        Assert.Contains("http-sig", discovery.GetProperty("capabilities").EnumerateArray().Select(c => c.GetString()));
        Assert.NotNull(discovery.GetProperty("jwksUri").GetString());
        var criteria = discovery.TryGetProperty("criteria", out var list) ? list.EnumerateArray().Select(c => c.GetString()).ToList() : [];
        Assert.DoesNotContain("must-use-http-sig", criteria);
    }

    [Fact]
    public void KeyFiles_OnFirstStart_ReadableByTheServerUserOnly()
    {

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(KeysDirectory));
        var files = Directory.GetFiles(KeysDirectory);
        Assert.Contains(files, f => f.EndsWith(".pem", StringComparison.Ordinal));
        Assert.Contains(files, f => f.EndsWith("keys.json", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    [Fact]
    public async Task KeyFiles_LoosenedByHand_TightenedAgainOnTheNextChange()
    {
        const UnixFileMode WorldReadable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(KeysDirectory, WorldReadable | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        foreach (var file in Directory.GetFiles(KeysDirectory))
        {
            File.SetUnixFileMode(file, WorldReadable);
        }

        Keys.Add(HttpSignatureAlgorithm.Ed25519);
        await JwksAsync();

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(KeysDirectory));
        Assert.All(
            Directory.GetFiles(KeysDirectory, "*.pem").Append(Path.Combine(KeysDirectory, "keys.json")),
            f => Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(f)));
    }

    [Fact]
    public async Task BrokenKeysJson_ServerKeepsSigningWithTheKeysItHad()
    {
        var active = Keys.ActiveSigningKey.KeyId;
        var before = await JwksAsync();

        await File.WriteAllTextAsync(Path.Combine(KeysDirectory, "keys.json"), "{ not json");

        Assert.Equal(active, Keys.ActiveSigningKey.KeyId);
        Assert.Equal(before.Keys.Order(), (await JwksAsync()).Keys.Order());
    }
}
