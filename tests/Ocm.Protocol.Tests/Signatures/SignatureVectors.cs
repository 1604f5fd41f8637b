using System.Text;
using System.Text.Json;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>Loads the shared RFC 9421 / RFC 9530 / draft-cavage vectors.</summary>
internal static class SignatureVectors
{
    public static string Rfc9421(params string[] parts) => TestPaths.Vector(["rfc9421", .. parts]);

    public static string Text(string path) => File.ReadAllText(path);

    public static string TrimmedText(string path) => File.ReadAllText(path).TrimEnd('\r', '\n');

    public static HttpMessage Message(string path) => HttpMessageParser.Parse(File.ReadAllBytes(path));

    public static IEnumerable<string> CaseIds() =>
        Directory.GetDirectories(Rfc9421("cases")).Select(Path.GetFileName).Order(StringComparer.Ordinal)!;

    public static JsonElement Meta(string caseId)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Rfc9421("cases", caseId, "meta.json")));
        return doc.RootElement.Clone();
    }

    public static HttpSignatureAlgorithm Algorithm(string rfcName) =>
        HttpSignatureAlgorithms.TryParseRfc9421Name(rfcName, out var alg) ? alg : throw new InvalidOperationException(rfcName);

    public static VerificationKey PublicKey(string keyId, HttpSignatureAlgorithm alg) =>
        alg == HttpSignatureAlgorithm.HmacSha256
            ? VerificationKey.FromSharedSecret(File.ReadAllBytes(Rfc9421("keys", "test-shared-secret.bin")), keyId)
            : VerificationKey.ImportPem(Text(Rfc9421("keys", keyId + ".pub.pem")), alg, keyId);

    public static SigningKey PrivateKey(string keyId, HttpSignatureAlgorithm alg) =>
        alg == HttpSignatureAlgorithm.HmacSha256
            ? SigningKey.FromSharedSecret(File.ReadAllBytes(Rfc9421("keys", "test-shared-secret.bin")), keyId)
            : SigningKey.ImportPem(Text(Rfc9421("keys", keyId + ".priv.pem")), alg, keyId);

    /// <summary>The case's message with its Signature-Input/Signature (added from the .txt files when the message has none).</summary>
    public static HttpMessage SignedMessage(string caseId)
    {
        var dir = Rfc9421("cases", caseId);
        var message = Message(Path.Combine(dir, "message.http"));
        if (File.Exists(Path.Combine(dir, "request.http")))
        {
            message.RelatedRequest = Message(Path.Combine(dir, "request.http"));
        }

        if (!message.Headers.Contains("Signature-Input"))
        {
            message.Headers.Add("Signature-Input", TrimmedText(Path.Combine(dir, "signature-input.txt")));
            message.Headers.Add("Signature", TrimmedText(Path.Combine(dir, "signature.txt")));
        }

        return message;
    }

    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);
}
