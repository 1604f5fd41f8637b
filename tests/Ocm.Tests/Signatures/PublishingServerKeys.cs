using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Signatures;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Signatures;

/// <summary>
/// What peers can learn about our keys (OCM §Keys and Algorithms, §OCM API Discovery): the JWK Set at <c>/ocm/jwks</c> (and the -05 path
/// <c>/.well-known/jwks.json</c>) lists pending, active and recently retired keys, never a private part; discovery
/// advertises <c>jwksUri</c>, <c>http-sig</c>, the legacy <c>publicKey</c>, and <c>must-use-http-sig</c> when
/// signatures are required. The private keys are kept in the database, sealed with the deployment secret.
/// </summary>
public sealed class PublishingServerKeys : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private OcmTestServer _server = null!;

    private ServerKeyStore Keys => _server.GetRequiredService<ServerKeyStore>();

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
        var withdrawn = await Keys.AddAsync(HttpSignatureAlgorithm.EcdsaP256Sha256, CancellationToken.None);
        var second = await Keys.AddAsync(HttpSignatureAlgorithm.Ed25519, CancellationToken.None);
        await Keys.ActivateAsync(second.KeyId, CancellationToken.None);
        var pending = await Keys.AddAsync(HttpSignatureAlgorithm.RsaPssSha512, CancellationToken.None);
        await Keys.RetireAsync(withdrawn.KeyId, CancellationToken.None);

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
    public async Task PrivateKeys_InTheDatabase_AreSealedNotPlaintext()
    {
        await using var scope = _server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Ocm.Data.OcmDb>();
        var stored = await db.Set<ServerKeyRecord>().AsNoTracking().ToListAsync();

        Assert.Equal(2, stored.Count); // Ed25519 for RFC 9421, RSA for draft-cavage
        Assert.All(stored, key =>
        {
            Assert.StartsWith("v1:", key.PrivateKey, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", key.PrivateKey, StringComparison.Ordinal);
        });
        Assert.False(Directory.Exists(Path.Combine(_server.DataDir, "keys")), "keys were written to the data directory");
    }

    [Fact]
    public async Task KeysFromAnOlderDataDirectory_AreImportedOnTheFirstStart_SigningAndShareSecretKeys()
    {
        var dataDir = TempDirectory.Create("ocm-legacy-keys");
        var keysDir = Directory.CreateDirectory(Path.Combine(dataDir, "keys")).FullName;
        using var ed25519 = SigningKey.Generate(HttpSignatureAlgorithm.Ed25519, "ed25519-20261101-0a0b0c0d");
        using var rsa = SigningKey.Generate(HttpSignatureAlgorithm.RsaV15Sha256, "cavage-rsa-20261101-01020304");
        await File.WriteAllTextAsync(Path.Combine(keysDir, "ed.pem"), ed25519.ExportPrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(keysDir, "rsa.pem"), rsa.ExportPrivateKeyPem());
        await File.WriteAllTextAsync(Path.Combine(keysDir, "keys.json"), """
            [
              { "keyId": "ed25519-20261101-0a0b0c0d", "algorithm": "ed25519", "state": "Active", "purpose": "rfc9421", "created": "2026-11-01T00:00:00+00:00", "activated": "2026-11-01T00:00:00+00:00", "file": "ed.pem" },
              { "keyId": "cavage-rsa-20261101-01020304", "algorithm": "rsa-v1_5-sha256", "state": "Active", "purpose": "cavage", "created": "2026-11-01T00:00:00+00:00", "activated": "2026-11-01T00:00:00+00:00", "file": "rsa.pem" }
            ]
            """);
        var shareSecretKey = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        await File.WriteAllBytesAsync(Path.Combine(keysDir, "secrets.key"), shareSecretKey);
        await using var upgraded = await OcmTestServer.StartAsync("127.0.0.74", dataDir: dataDir);

        // Shares made before the upgrade keep their secrets: the share-secret key came along.
        var expected = Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(shareSecretKey, "ocm-share-secret:p1"u8.ToArray()))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Equal(expected, upgraded.GetRequiredService<Ocm.Shares.SecretProtector>().DeriveShareSecret("p1"));

        var published = (await upgraded.Client.GetJsonAsync("ocm/jwks")).GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
        var discovery = await upgraded.Client.GetJsonAsync(".well-known/ocm");

        Assert.Equal([$"{upgraded.Authority}#ed25519-20261101-0a0b0c0d"], published);
        Assert.Equal(rsa.ExportPublicKeyPem(), discovery.GetProperty("publicKey").GetProperty("publicKeyPem").GetString());
    }
}
