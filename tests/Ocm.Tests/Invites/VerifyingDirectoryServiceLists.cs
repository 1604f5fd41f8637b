using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Ocm.Invites;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Invites;

/// <summary>
/// Directory service lists (OCM Appendix C) are JWS documents signed with ES256: the WAYF page offers a list only when
/// its signature verifies with the key configured for that directory; a tampered or foreign list is never shown.
/// </summary>
public sealed class VerifyingDirectoryServiceLists
{
    private const string AddressA = "127.0.0.46";
    private const string AddressDirectory = "127.0.0.47";

    private static readonly string Payload = TestDirectoryService.Payload(
        "Research Mesh",
        ("https://cloud.uni.example", "University Cloud"),
        ("http://192.0.2.7:8080", "Lab Server"));

    public static TheoryData<string> Serializations => new() { "compact", "flattened", "general", "spec-example", "der" };

    [Theory]
    [MemberData(nameof(Serializations))]
    public void SignedList_InEverySerialization_IsVerifiedAndRead(string serialization)
    {
        using var directory = new TestDirectoryService();
        var document = serialization switch
        {
            "compact" => directory.Compact(Payload),
            "flattened" => directory.Flattened(Payload),
            "general" => directory.General(Payload),
            "spec-example" => directory.SpecExampleShape(Payload),
            _ => directory.CompactWithDerSignature(Payload),
        };
        using var key = Key(directory.PublicKeyPem);

        Assert.True(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(document), key, out var listing, out var error), error);

        Assert.Equal("Research Mesh", listing.Federation);
        Assert.Equal(["University Cloud", "Lab Server"], listing.Servers.Select(s => s.DisplayName));
        Assert.Equal(["cloud.uni.example", "192.0.2.7:8080"], listing.Servers.Select(s => s.Authority));
    }

    [Fact]
    public void TamperedPayload_IsRejected()
    {
        using var directory = new TestDirectoryService();
        var parts = directory.Compact(Payload).Split('.');
        var evil = TestDirectoryService.Payload("Research Mesh", ("https://evil.example", "University Cloud"));
        var tampered = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(evil))}.{parts[2]}";
        using var key = Key(directory.PublicKeyPem);

        Assert.False(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(tampered), key, out var listing, out var error));
        Assert.Null(listing);
        Assert.Contains("does not verify", error, StringComparison.Ordinal);

        // The spec-example shape is checked over the bytes as sent: one changed character breaks it.
        var shaped = directory.SpecExampleShape(Payload).Replace("University Cloud", "University Cl0ud", StringComparison.Ordinal);
        Assert.False(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(shaped), key, out _, out _));
    }

    [Fact]
    public void ListSignedWithAnotherKey_IsRejected()
    {
        using var directory = new TestDirectoryService();
        using var impostor = new TestDirectoryService();
        using var key = Key(directory.PublicKeyPem);

        Assert.False(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(impostor.Compact(Payload)), key, out _, out var error));
        Assert.Contains("does not verify", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    [InlineData("RS256")]
    public void OtherAlgorithms_AreRejected(string alg)
    {
        using var directory = new TestDirectoryService();
        using var key = Key(directory.PublicKeyPem);

        Assert.False(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(directory.Compact(Payload, alg)), key, out _, out var error));
        Assert.Contains("only ES256", error, StringComparison.Ordinal);
    }

    [Fact]
    public void UnsignedOrMalformedDocuments_AreRejected()
    {
        using var directory = new TestDirectoryService();
        using var key = Key(directory.PublicKeyPem);

        Assert.False(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(Payload), key, out _, out _));
        Assert.False(DirectoryJws.TryVerify("""{"payload":{"federation":"x","servers":[]},"protected":{"alg":"ES256"}}"""u8, key, out _, out _));
        Assert.False(DirectoryJws.TryVerify("a.b"u8, key, out _, out _));
        Assert.False(DirectoryJws.TryVerify("!!.??.**"u8, key, out _, out _));
    }

    [Fact]
    public void ServersWithPathsQueriesOrUserInfo_AreSkipped()
    {
        using var directory = new TestDirectoryService();
        var payload = TestDirectoryService.Payload(
            "Mesh",
            ("https://good.example:8443", "Good"),
            ("https://bad.example/ocm", "Base path"),
            ("https://user@bad.example", "User info"),
            ("https://bad.example?x=1", "Query"),
            ("ftp://bad.example", "Scheme"),
            ("bad.example", "No scheme"));
        using var key = Key(directory.PublicKeyPem);
        var skipped = new List<string>();

        Assert.True(DirectoryJws.TryVerify(Encoding.UTF8.GetBytes(directory.Compact(payload)), key, out var listing, out _, skipped));

        Assert.Equal(["good.example:8443"], listing.Servers.Select(s => s.Authority));
        Assert.Equal(5, skipped.Count);
    }

    [Fact]
    public void ConfiguredKeys_AreReadAsPemDerOrJwk_AndOtherCurvesRefused()
    {
        using var directory = new TestDirectoryService();
        foreach (var form in new[] { directory.PublicKeyPem, directory.PublicKeyBase64, directory.PublicKeyJwk })
        {
            Assert.True(DirectoryServiceKey.TryParse(form, out var key, out var error), error);
            key.Dispose();
        }

        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        Assert.False(DirectoryServiceKey.TryParse(p384.ExportSubjectPublicKeyInfoPem(), out _, out var curveError));
        Assert.Contains("P-256", curveError, StringComparison.Ordinal);
        Assert.False(DirectoryServiceKey.TryParse("not a key", out _, out _));
    }

    [Fact]
    public async Task WayfPage_ShowsTheVerifiedList_AndNeverATamperedOne()
    {
        using var directory = new TestDirectoryService();
        var tamper = false;
        await using var service = await LoopbackHttpServer.StartAsync(AddressDirectory, TestDirectoryService.Serving(() =>
        {
            var document = directory.Flattened(Payload);
            return tamper ? document.Replace("\"signature\":\"", "\"signature\":\"AA", StringComparison.Ordinal) : document;
        }));
        await using var a = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(
            ("Ocm:Invites:DirectoryServices:0:Url", new Uri(service.BaseUri, "directory.jws").AbsoluteUri),
            ("Ocm:Invites:DirectoryServices:0:PublicKey", directory.PublicKeyPem),
            ("Ocm:Invites:DirectoryCacheSeconds", "0")));
        using var alice = await a.AddUserAsync("alice", "Alice");
        var link = (await alice.CreateInviteAsync()).GetProperty("link").GetString()!;

        var page = await a.Client.GetStringAsync(link);
        Assert.Contains("Research Mesh", page, StringComparison.Ordinal);
        Assert.Contains("University Cloud", page, StringComparison.Ordinal);

        // A list that no longer verifies is not used: the last verified one stays until a good one comes back...
        tamper = true;
        var kept = await a.Client.GetStringAsync(link);
        Assert.Contains("University Cloud", kept, StringComparison.Ordinal);

        // ...and a server that never had a verified list shows none, only the free-text field.
        await using var fresh = await OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(
            ("Ocm:Invites:DirectoryServices:0:Url", new Uri(service.BaseUri, "directory.jws").AbsoluteUri),
            ("Ocm:Invites:DirectoryServices:0:PublicKey", directory.PublicKeyPem)));
        using var anna = await fresh.AddUserAsync("anna", "Anna");
        using var response = await fresh.Client.GetAsync((await anna.CreateInviteAsync()).GetProperty("link").GetString());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var withoutList = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("University Cloud", withoutList, StringComparison.Ordinal);
        Assert.Contains("id=\"provider\"", withoutList, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusableDirectoryKey_StopsTheServerFromStarting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => OcmTestServer.StartAsync(AddressA, FederatedUsers.Settings(
            ("Ocm:Invites:DirectoryServices:0:Url", "https://directory.example/list.jws"),
            ("Ocm:Invites:DirectoryServices:0:PublicKey", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"))));

        Assert.Contains("Ocm:Invites:DirectoryServices:0:PublicKey", error.Message, StringComparison.Ordinal);
    }

    private static ECDsa Key(string pem)
    {
        Assert.True(DirectoryServiceKey.TryParse(pem, out var key, out var error), error);
        return key;
    }
}
