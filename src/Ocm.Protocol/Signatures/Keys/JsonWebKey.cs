using System.Buffers.Text;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>
/// A JSON Web Key (RFC 7517) of type OKP (Ed25519, RFC 8037), EC (P-256, P-384), RSA or oct. Binary members are
/// base64url strings as in the JSON. Convert with <see cref="ToVerificationKey"/> / <see cref="ToSigningKey"/>.
/// </summary>
public sealed class JsonWebKey
{
    /// <summary>Key type: <c>OKP</c>, <c>EC</c>, <c>RSA</c> or <c>oct</c>.</summary>
    public string? Kty { get; init; }

    /// <summary>Key id; in OCM equal to the <c>keyid</c> signature parameter.</summary>
    public string? Kid { get; init; }

    /// <summary>The JWS algorithm, e.g. <c>Ed25519</c>, <c>ES256</c>, <c>PS512</c>.</summary>
    public string? Alg { get; init; }

    /// <summary>Public key use, <c>sig</c> for signing keys.</summary>
    public string? Use { get; init; }

    /// <summary>Permitted operations (<c>key_ops</c>), if given.</summary>
    public IReadOnlyList<string>? KeyOps { get; init; }

    /// <summary>Curve: <c>Ed25519</c>, <c>P-256</c>, <c>P-384</c>.</summary>
    public string? Crv { get; init; }

    /// <summary>OKP public key / EC x coordinate.</summary>
    public string? X { get; init; }

    /// <summary>EC y coordinate.</summary>
    public string? Y { get; init; }

    /// <summary>RSA modulus.</summary>
    public string? N { get; init; }

    /// <summary>RSA public exponent.</summary>
    public string? E { get; init; }

    /// <summary>Private key (OKP seed, EC scalar, RSA private exponent).</summary>
    public string? D { get; init; }

    /// <summary>RSA first prime factor.</summary>
    public string? P { get; init; }

    /// <summary>RSA second prime factor.</summary>
    public string? Q { get; init; }

    /// <summary>RSA first factor CRT exponent.</summary>
    public string? DP { get; init; }

    /// <summary>RSA second factor CRT exponent.</summary>
    public string? DQ { get; init; }

    /// <summary>RSA first CRT coefficient.</summary>
    public string? QI { get; init; }

    /// <summary>Symmetric key value (kty oct).</summary>
    public string? K { get; init; }

    /// <summary>True when the JWK carries private (or secret) key material.</summary>
    public bool HasPrivateKey => D is not null || K is not null;

    /// <summary>Parses one JWK from JSON text.</summary>
    /// <exception cref="FormatException">The JSON is not a JWK object.</exception>
    public static JsonWebKey Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            return Parse(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"Invalid JWK JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads one JWK from a JSON element (unknown members are ignored).</summary>
    /// <exception cref="FormatException">The element is not a JWK object.</exception>
    public static JsonWebKey Parse(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("A JWK must be a JSON object.");
        }

        return new JsonWebKey
        {
            Kty = Str(element, "kty") ?? throw new FormatException("A JWK needs \"kty\"."),
            Kid = Str(element, "kid"),
            Alg = Str(element, "alg"),
            Use = Str(element, "use"),
            KeyOps = element.TryGetProperty("key_ops", out var ops) && ops.ValueKind == JsonValueKind.Array
                ? [.. ops.EnumerateArray().Where(o => o.ValueKind == JsonValueKind.String).Select(o => o.GetString()!)]
                : null,
            Crv = Str(element, "crv"),
            X = Str(element, "x"),
            Y = Str(element, "y"),
            N = Str(element, "n"),
            E = Str(element, "e"),
            D = Str(element, "d"),
            P = Str(element, "p"),
            Q = Str(element, "q"),
            DP = Str(element, "dp"),
            DQ = Str(element, "dq"),
            QI = Str(element, "qi"),
            K = Str(element, "k"),
        };

        static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v)
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw new FormatException($"JWK member \"{name}\" must be a string.")
            : null;
    }

    /// <summary>The JWK as compact JSON.</summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteTo(writer);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the JWK as a JSON object.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        Write("kty", Kty);
        Write("kid", Kid);
        Write("use", Use);
        Write("alg", Alg);
        if (KeyOps is not null)
        {
            writer.WriteStartArray("key_ops");
            foreach (var op in KeyOps)
            {
                writer.WriteStringValue(op);
            }

            writer.WriteEndArray();
        }

        Write("crv", Crv);
        Write("x", X);
        Write("y", Y);
        Write("n", N);
        Write("e", E);
        Write("d", D);
        Write("p", P);
        Write("q", Q);
        Write("dp", DP);
        Write("dq", DQ);
        Write("qi", QI);
        Write("k", K);
        writer.WriteEndObject();

        void Write(string name, string? value)
        {
            if (value is not null)
            {
                writer.WriteString(name, value);
            }
        }
    }

    /// <summary>
    /// The algorithm of this key: the JWK <c>alg</c>, else <paramref name="fallback"/>. When both are given they must
    /// agree. The algorithm never comes from a signed message (RFC 9421 §3.3.7, OCM §9.3).
    /// </summary>
    /// <exception cref="CryptographicException">No algorithm, an unknown one, or a conflict.</exception>
    public HttpSignatureAlgorithm ResolveAlgorithm(HttpSignatureAlgorithm? fallback = null)
    {
        if (Alg is null)
        {
            return fallback ?? throw new CryptographicException($"JWK '{Kid}' has no \"alg\" and none was given.");
        }

        if (!HttpSignatureAlgorithms.TryParseJwkName(Alg, out var algorithm))
        {
            throw new CryptographicException($"JWK '{Kid}' has unsupported \"alg\" '{Alg}'.");
        }

        if (Alg == "EdDSA" && Crv != "Ed25519")
        {
            throw new CryptographicException($"JWK '{Kid}': EdDSA is supported only with crv Ed25519.");
        }

        if (fallback is { } given && given != algorithm)
        {
            throw new CryptographicException($"JWK '{Kid}' has \"alg\" {Alg}, not {given.GetJwkName()}.");
        }

        return algorithm;
    }

    /// <summary>The public (verification) key; for kty oct the shared secret.</summary>
    /// <param name="algorithm">The algorithm when the JWK has no <c>alg</c> (must agree when it has one).</param>
    /// <exception cref="CryptographicException">The JWK is incomplete, inconsistent or unsupported.</exception>
    public VerificationKey ToVerificationKey(HttpSignatureAlgorithm? algorithm = null)
    {
        var alg = ResolveAlgorithm(algorithm);
        var material = CreateMaterial(includePrivate: Kty == "oct");
        try
        {
            material.EnsureCompatible(alg);
            if (material.HasPrivateKey && material.KeyType != SignatureKeyType.Symmetric)
            {
                var publicPart = material.ToPublic();
                material.Dispose();
                material = publicPart;
            }

            return new VerificationKey(material, alg, Kid);
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }

    /// <summary>The private (signing) key; requires the private members.</summary>
    /// <param name="algorithm">The algorithm when the JWK has no <c>alg</c> (must agree when it has one).</param>
    /// <exception cref="CryptographicException">The JWK has no private part, is inconsistent or unsupported.</exception>
    public SigningKey ToSigningKey(HttpSignatureAlgorithm? algorithm = null)
    {
        var alg = ResolveAlgorithm(algorithm);
        if (!HasPrivateKey)
        {
            throw new CryptographicException($"JWK '{Kid}' has no private key.");
        }

        var material = CreateMaterial(includePrivate: true);
        try
        {
            material.EnsureCompatible(alg);
            return new SigningKey(material, alg, Kid);
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }

    internal static JsonWebKey FromMaterial(KeyMaterial material, HttpSignatureAlgorithm algorithm, string? keyId, bool includePrivate)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteString("kty", material.KeyType switch
            {
                SignatureKeyType.Ed25519 => "OKP",
                SignatureKeyType.EllipticCurve => "EC",
                SignatureKeyType.Rsa => "RSA",
                _ => "oct",
            });
            if (keyId is not null)
            {
                writer.WriteString("kid", keyId);
            }

            writer.WriteString("use", "sig");
            writer.WriteString("alg", algorithm.GetJwkName());
            material.WriteJwkMembers(writer, includePrivate);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        return Parse(document.RootElement);
    }

    private KeyMaterial CreateMaterial(bool includePrivate)
    {
        switch (Kty)
        {
            case "OKP":
                if (Crv != "Ed25519")
                {
                    throw new CryptographicException($"JWK '{Kid}': unsupported OKP curve '{Crv}'.");
                }

                var x = Decode(X, "x");
                if (includePrivate && D is not null)
                {
                    var key = Ed25519KeyMaterial.FromPrivateSeed(Decode(D, "d"));
                    if (!key.PublicKeyBytes.AsSpan().SequenceEqual(x))
                    {
                        key.Dispose();
                        throw new CryptographicException($"JWK '{Kid}': \"x\" is not the public key of \"d\".");
                    }

                    return key;
                }

                return Ed25519KeyMaterial.FromPublicKey(x);

            case "EC":
                var curve = Crv switch
                {
                    "P-256" => ECCurve.NamedCurves.nistP256,
                    "P-384" => ECCurve.NamedCurves.nistP384,
                    _ => throw new CryptographicException($"JWK '{Kid}': unsupported EC curve '{Crv}'."),
                };
                var size = Crv == "P-256" ? 32 : 48;
                var ecParameters = new ECParameters
                {
                    Curve = curve,
                    Q = new ECPoint { X = Decode(X, "x", size), Y = Decode(Y, "y", size) },
                    D = includePrivate && D is not null ? Decode(D, "d", size) : null,
                };
                var ecdsa = ECDsa.Create();
                try
                {
                    ecdsa.ImportParameters(ecParameters);
                    return new EcdsaKeyMaterial(ecdsa, ecParameters.D is not null);
                }
                catch
                {
                    ecdsa.Dispose();
                    throw;
                }

            case "RSA":
                var modulus = Decode(N, "n");
                var exponent = Decode(E, "e");
                var rsa = RSA.Create();
                try
                {
                    if (includePrivate && D is not null)
                    {
                        if (P is null || Q is null || DP is null || DQ is null || QI is null)
                        {
                            throw new CryptographicException($"JWK '{Kid}': an RSA private key needs p, q, dp, dq and qi.");
                        }

                        // Via PKCS#1 rather than RSAParameters: the latter requires primes of equal length, which
                        // keys such as RFC 9421's test-key-rsa do not have.
                        var writer = new AsnWriter(AsnEncodingRules.DER);
                        using (writer.PushSequence())
                        {
                            writer.WriteInteger(0);
                            foreach (var part in new[] { modulus, exponent, Decode(D, "d"), Decode(P, "p"), Decode(Q, "q"), Decode(DP, "dp"), Decode(DQ, "dq"), Decode(QI, "qi") })
                            {
                                // RFC 7518 §6.3 wants minimal octets, but exporters (.NET's own RSAParameters among
                                // them) pad CRT values to a fixed length: leading zeros are not allowed in DER.
                                var first = Array.FindIndex(part, b => b != 0);
                                writer.WriteIntegerUnsigned(first <= 0 ? part : part.AsSpan(first));
                            }
                        }

                        rsa.ImportRSAPrivateKey(writer.Encode(), out _);
                        return new RsaKeyMaterial(rsa, true);
                    }

                    rsa.ImportParameters(new RSAParameters { Modulus = modulus, Exponent = exponent });
                    return new RsaKeyMaterial(rsa, false);
                }
                catch
                {
                    rsa.Dispose();
                    throw;
                }

            case "oct":
                return new HmacKeyMaterial(Decode(K, "k"));

            default:
                throw new CryptographicException($"JWK '{Kid}': unsupported key type '{Kty}'.");
        }
    }

    private byte[] Decode(string? value, string member, int fixedLength = 0)
    {
        if (value is null)
        {
            throw new CryptographicException($"JWK '{Kid}' lacks \"{member}\".");
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(value);
        }
        catch (FormatException ex)
        {
            throw new CryptographicException($"JWK '{Kid}': \"{member}\" is not base64url.", ex);
        }

        if (fixedLength > 0 && bytes.Length != fixedLength)
        {
            if (bytes.Length > fixedLength)
            {
                throw new CryptographicException($"JWK '{Kid}': \"{member}\" is too long.");
            }

            // Some producers strip leading zero bytes; .NET needs the full width.
            var padded = new byte[fixedLength];
            bytes.CopyTo(padded, fixedLength - bytes.Length);
            bytes = padded;
        }

        return bytes;
    }
}
