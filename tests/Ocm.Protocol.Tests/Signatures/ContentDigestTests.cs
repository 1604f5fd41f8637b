using System.Text;
using System.Text.Json;
using Ocm.Protocol.Signatures.Digest;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>vectors/rfc9530/digest-examples.json and the legacy Digest header.</summary>
public sealed class ContentDigestTests
{
    public static TheoryData<string> Examples()
    {
        using var doc = Load();
        return [.. doc.RootElement.GetProperty("examples").EnumerateArray()
            .Where(e => e.GetProperty("recomputed_ok").GetBoolean())
            .Select(e => e.GetProperty("id").GetString()!)];
    }

    [VectorTheory]
    [MemberData(nameof(Examples))]
    public void Create_Rfc9530Example_ReproducesFieldValue(string id)
    {
        var (body, expected) = Example(id);
        var algorithm = expected.StartsWith("sha-512", StringComparison.Ordinal) ? DigestAlgorithm.Sha512 : DigestAlgorithm.Sha256;

        Assert.Equal(expected, ContentDigest.Create(body, algorithm));
        Assert.True(ContentDigest.Verify(expected, body).IsMatch);
    }

    [VectorTheory]
    [MemberData(nameof(Examples))]
    public void Verify_Rfc9530ExampleWithOtherBody_IsMismatch(string id)
    {
        var (body, expected) = Example(id);

        var result = ContentDigest.Verify(expected, [.. body, (byte)'x']);

        Assert.Equal(DigestVerificationStatus.Mismatch, result.Status);
    }

    [VectorFact]
    public void Verify_AppendixDSamplesWithDeprecatedAlgorithms_OnlyRecognizedOnesCount()
    {
        using var doc = Load();
        var body = "{\"hello\": \"world\"}"u8.ToArray();
        var members = doc.RootElement.GetProperty("appendix_d_sample_values_for_18_byte_body").EnumerateArray()
            .Select(e => e.GetProperty("alg").GetString() + "=" + e.GetProperty("expected").GetString());
        var field = string.Join(", ", members);

        Assert.True(ContentDigest.Verify(field, body).IsMatch);
        Assert.Equal(DigestVerificationStatus.NoSupportedAlgorithm, ContentDigest.Verify("md5=:Sd/dVLAcvNLSq16eXua5uQ==:", body).Status);
    }

    [Fact]
    public void Verify_OneMatchOneMismatch_IsMismatch()
    {
        var body = "{\"hello\": \"world\"}\n"u8.ToArray();

        // RFC 9530 §2 prints a sha-256 member that belongs to another body: one mismatch fails the field.
        var result = ContentDigest.Verify(
            "sha-256=:d435Qo+nKZ+gLcUHn7GQtQ72hiBVAgqoLsZnZPiTGPk=:,sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTohq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:",
            body);

        Assert.Equal(DigestVerificationStatus.Mismatch, result.Status);
        Assert.Contains("sha-256", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_RfcTypoWithDoublePadding_IsMalformedNotMatch()
    {
        var body = "{\"hello\": \"world\"}\n"u8.ToArray();

        var result = ContentDigest.Verify("sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg==:", body);

        Assert.Equal(DigestVerificationStatus.Malformed, result.Status);
    }

    [Theory]
    [InlineData("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=")]
    [InlineData("sha-256=\"X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\"")]
    [InlineData("")]
    public void Verify_NotADictionaryOfByteSequences_IsMalformed(string field)
    {
        Assert.Equal(DigestVerificationStatus.Malformed, ContentDigest.Verify(field, "{\"hello\": \"world\"}"u8).Status);
    }

    [Fact]
    public async Task Hasher_StreamedInPieces_EqualsOneShot()
    {
        var body = Encoding.UTF8.GetBytes(new string('x', 100_000));
        using var hasher = new ContentDigestHasher(DigestAlgorithm.Sha256, DigestAlgorithm.Sha512);
        await hasher.AppendAsync(new MemoryStream(body));

        Assert.Equal(ContentDigest.Create(body, DigestAlgorithm.Sha256, DigestAlgorithm.Sha512), hasher.GetContentDigestValue());
        Assert.True(hasher.VerifyContentDigest(ContentDigest.Create(body)).IsMatch);
        Assert.True((await ContentDigest.VerifyAsync(ContentDigest.Create(body, DigestAlgorithm.Sha512), new MemoryStream(body))).IsMatch);
        Assert.Equal(body.Length, hasher.Length);
    }

    [Theory]
    [InlineData("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestVerificationStatus.Match)]
    [InlineData("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestVerificationStatus.Match)]
    [InlineData("SHA-512=WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==", DigestVerificationStatus.Match)]
    [InlineData("MD5=Sd/dVLAcvNLSq16eXua5uQ==, SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestVerificationStatus.Match)]
    [InlineData("SHA-256=AAAA9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", DigestVerificationStatus.Mismatch)]
    [InlineData("MD5=Sd/dVLAcvNLSq16eXua5uQ==", DigestVerificationStatus.NoSupportedAlgorithm)]
    [InlineData("SHA-256", DigestVerificationStatus.Malformed)]
    public void LegacyDigest_Verify_ReadsRfc3230Header(string field, DigestVerificationStatus expected)
    {
        Assert.Equal(expected, LegacyDigest.Verify(field, "{\"hello\": \"world\"}"u8).Status);
    }

    [Fact]
    public void LegacyDigest_Create_MatchesCavageVector()
    {
        Assert.Equal("SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", LegacyDigest.Create("{\"hello\": \"world\"}"u8));
    }

    private static JsonDocument Load() => JsonDocument.Parse(File.ReadAllText(TestPaths.Vector("rfc9530", "digest-examples.json")));

    private static (byte[] Body, string Expected) Example(string id)
    {
        using var doc = Load();
        var example = doc.RootElement.GetProperty("examples").EnumerateArray().Single(e => e.GetProperty("id").GetString() == id);
        return (Convert.FromBase64String(example.GetProperty("body_b64").GetString()!), example.GetProperty("expected_field_value").GetString()!);
    }
}
