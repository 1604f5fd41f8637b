using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Ocm.Tests.Invites;

/// <summary>
/// An OCM Directory Service for tests (OCM Appendix C): an ES256 key pair whose public half is given to the server out
/// of band (configuration), and helpers that sign a server list in each JWS serialization.
/// </summary>
internal sealed class TestDirectoryService : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public string PublicKeyPem => _key.ExportSubjectPublicKeyInfoPem();

    public string PublicKeyBase64 => Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo());

    public string PublicKeyJwk
    {
        get
        {
            var p = _key.ExportParameters(false);
            return JsonSerializer.Serialize(new { kty = "EC", crv = "P-256", x = Base64Url.EncodeToString(p.Q.X), y = Base64Url.EncodeToString(p.Q.Y) });
        }
    }

    public static string Payload(string federation, params (string Url, string DisplayName)[] servers) =>
        JsonSerializer.Serialize(new { federation, servers = servers.Select(s => new { url = s.Url, displayName = s.DisplayName }) });

    /// <summary>Compact serialization: <c>header.payload.signature</c>.</summary>
    public string Compact(string payload, string alg = "ES256")
    {
        var (header, body, signature) = Sign(Header(alg), payload);
        return $"{header}.{body}.{signature}";
    }

    /// <summary>Flattened JSON serialization: <c>{ "payload", "protected", "signature" }</c>.</summary>
    public string Flattened(string payload)
    {
        var (header, body, signature) = Sign(Header("ES256"), payload);
        return JsonSerializer.Serialize(new { payload = body, @protected = header, signature });
    }

    /// <summary>General JSON serialization: <c>{ "payload", "signatures": [{ "protected", "signature" }] }</c>.</summary>
    public string General(string payload)
    {
        var (header, body, signature) = Sign(Header("ES256"), payload);
        return JsonSerializer.Serialize(new { payload = body, signatures = new[] { new { @protected = header, signature } } });
    }

    /// <summary>The shape of the example in OCM Appendix C: payload and header as JSON objects, signed over their bytes.</summary>
    public string SpecExampleShape(string payload)
    {
        const string header = """{"alg":"ES256"}""";
        var (_, _, signature) = Sign(header, payload);
        return $$"""{"payload":{{payload}},"protected":{{header}},"signature":"{{signature}}"}""";
    }

    /// <summary>Signs with a DER-encoded ECDSA signature instead of r‖s (what some implementations emit).</summary>
    public string CompactWithDerSignature(string payload)
    {
        var header = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Header("ES256")));
        var body = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(header + "." + body), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return $"{header}.{body}.{Base64Url.EncodeToString(signature)}";
    }

    /// <summary>A handler serving <paramref name="document"/> as the directory list.</summary>
    public static RequestDelegate Serving(Func<string> document) => async context =>
    {
        context.Response.ContentType = "application/jose+json";
        await context.Response.WriteAsync(document());
    };

    public void Dispose() => _key.Dispose();

    private static string Header(string alg) => JsonSerializer.Serialize(new { alg });

    private (string Header, string Payload, string Signature) Sign(string header, string payload)
    {
        var h = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(header));
        var p = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(h + "." + p), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return (h, p, Base64Url.EncodeToString(signature));
    }
}
