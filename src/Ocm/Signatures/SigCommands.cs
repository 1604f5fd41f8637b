using System.CommandLine;
using System.Globalization;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Cavage;
using Ocm.Protocol.Signatures.Digest;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Signatures;

/// <summary>
/// <c>ocm sig sign|verify|base</c>: HTTP Message Signatures (RFC 9421 with the profile of OCM §HTTP Message Signatures, or draft-cavage-12)
/// on raw HTTP/1.1 message files, so that operators of two servers can see exactly what was signed and why a
/// signature is refused. Exit codes: 0 success (verify: valid), 1 verify: invalid, 2 usage or input error.
/// </summary>
internal static class SigCommands
{
    private const int ExitInvalid = 1;
    private const int ExitUsage = 2;

    private const string AlgorithmList = "ed25519, ecdsa-p256-sha256, ecdsa-p384-sha384, rsa-pss-sha512, rsa-v1_5-sha256, hmac-sha256";
    private const string CavageAlgorithmList = "rsa-sha256, rsa-sha512, hs2019";

    private static readonly string[] CavageAlgorithmNames =
        [CavageAlgorithms.RsaSha256, CavageAlgorithms.RsaSha512, CavageAlgorithms.Hs2019, CavageAlgorithms.HmacSha256];

    public static Command Create(TimeProvider? timeProvider = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        return new Command(
            "sig",
            "Debug HTTP Message Signatures (RFC 9421 with the OCM profile, or draft-cavage-12) on raw HTTP/1.1 message files: "
            + "sign a message, verify one with a peer's key and see the exact reason it fails, or print the signature base.")
        {
            CreateSign(time),
            CreateVerify(time),
            CreateBase(time),
        };
    }

    private static Command CreateSign(TimeProvider time)
    {
        var options = new SigOptions(SigCommandKind.Sign);
        var command = new Command(
            "sign",
            "Sign MESSAGE and print it with Content-Digest, Signature-Input and Signature added (with --cavage: Date, Digest and a "
            + "draft-cavage Signature header). Defaults follow OCM §Signing Requirements: label ocm, tag ocm, created now, components "
            + "\"@method\" \"@target-uri\" \"content-digest\" \"content-length\" (without a body \"@method\" \"@target-uri\").\n"
            + "Example: ocm sig sign --key key.jwk --keyid https://me.example/ocm#k1 request.http");
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(() => SignAsync(options.Read(parse), time, cancellationToken)));
        return command;
    }

    private static Command CreateVerify(TimeProvider time)
    {
        var options = new SigOptions(SigCommandKind.Verify);
        var command = new Command(
            "verify",
            "Verify a signature of MESSAGE with KEY: prints the signature base the verifier reconstructed, then 'valid' or the "
            + "reason (failure code and explanation). Also checks Content-Digest and Content-Length when they are covered. "
            + "Exit code 0 only when valid, 1 when invalid, 2 on usage errors.\n"
            + "Example: ocm sig verify --key peer-jwks.json received.http");
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(() => VerifyAsync(options.Read(parse), time, cancellationToken)));
        return command;
    }

    private static Command CreateBase(TimeProvider time)
    {
        var options = new SigOptions(SigCommandKind.Base);
        var command = new Command(
            "base",
            "Print the signature base (with --cavage: the signing string) of MESSAGE: for its existing signature (choose with "
            + "--label), or, when it has none or --components is given, the base 'ocm sig sign' would sign with the same options.\n"
            + "Example: ocm sig base --label sig1 received.http");
        options.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(() => BaseAsync(options.Read(parse), time, cancellationToken)));
        return command;
    }

    private static async Task<int> RunAsync(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (SigUsageException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ExitUsage;
        }
    }

    // ---- sign ----------------------------------------------------------------------------------------------------

    private static async Task<int> SignAsync(SigArguments a, TimeProvider time, CancellationToken cancellationToken)
    {
        a.RejectMisplacedOptions();
        var file = await ReadMessageAsync(a, cancellationToken);
        var keyFile = await SigKeyFile.ReadAsync(a.Key!, cancellationToken);
        if (a.Cavage)
        {
            SignCavage(file.Message, keyFile, a, time);
        }
        else
        {
            using var key = keyFile.ToSigningKey(ParseAlgorithm(a.Alg), a.KeyId);
            var message = file.Message;
            PrepareBody(message, ParseDigest(a.Digest));
            var components = a.Components is null ? DefaultComponents(message) : ParseComponents(a.Components);
            var parameters = BuildParameters(a, a.KeyId ?? key.KeyId, key.Algorithm, time);
            try
            {
                HttpMessageSigner.Sign(message, a.Label ?? OcmSignatureProfile.DefaultLabel, components, parameters, key);
            }
            catch (Exception ex) when (ex is HttpSignatureException or ArgumentException)
            {
                throw new SigUsageException("cannot sign: " + ex.Message);
            }
        }

        await file.WriteToStandardOutputAsync(cancellationToken);
        return 0;
    }

    private static void SignCavage(HttpMessage message, SigKeyFile keyFile, SigArguments a, TimeProvider time)
    {
        if (!message.IsRequest)
        {
            throw new SigUsageException("draft-cavage signs requests only.");
        }

        using var key = keyFile.ToSigningKey(keyFile.KeyAlgorithmForCavage(a.KeyId), a.KeyId);
        var algorithm = a.Alg ?? (key.KeyType == SignatureKeyType.Rsa ? CavageAlgorithms.RsaSha256 : CavageAlgorithms.Hs2019);
        if (!CavageAlgorithms.TryResolve(algorithm, key.KeyType, key.Algorithm, out _))
        {
            throw new SigUsageException($"draft-cavage algorithm '{algorithm}' is unknown or does not fit a {key.KeyType} key; use one of {CavageAlgorithmList}.");
        }

        var keyId = a.KeyId ?? key.KeyId
            ?? throw new SigUsageException("draft-cavage needs --keyid (Nextcloud expects https://<sender-host>/ocm#signature).");
        var created = a.Created ?? time.GetUtcNow().ToUnixTimeSeconds();
        var headers = a.Headers is null ? DefaultCavageHeaders(message) : ParseCavageHeaders(a.Headers);
        SetDate(message, headers, created);
        var signer = new CavageSigner(
            key,
            keyId,
            new CavageSignerOptions
            {
                Algorithm = algorithm,
                Headers = headers,
                DigestAlgorithm = ParseDigest(a.Digest) ?? DigestAlgorithm.Sha256,
                ExpiresAfter = a.Expires is { } expires ? TimeSpan.FromSeconds(expires - created) : TimeSpan.FromMinutes(5),
            },
            new FixedTimeProvider(created)); // one instant for Date, (created) and (expires)
        try
        {
            signer.Sign(message);
        }
        catch (HttpSignatureException ex)
        {
            throw new SigUsageException("cannot sign: " + ex.Message);
        }
    }

    // ---- verify --------------------------------------------------------------------------------------------------

    private static async Task<int> VerifyAsync(SigArguments a, TimeProvider time, CancellationToken cancellationToken)
    {
        a.RejectMisplacedOptions();
        var file = await ReadMessageAsync(a, cancellationToken);
        var keyFile = await SigKeyFile.ReadAsync(a.Key!, cancellationToken);
        return a.Cavage ? VerifyCavage(file.Message, keyFile, a, time) : Verify(file.Message, keyFile, a, time);
    }

    private static int Verify(HttpMessage message, SigKeyFile keyFile, SigArguments a, TimeProvider time)
    {
        var algorithm = ParseAlgorithm(a.Alg);
        IReadOnlyList<MessageSignature> signatures;
        try
        {
            signatures = MessageSignature.ReadAll(message);
        }
        catch (HttpSignatureException ex)
        {
            return Verdict(ex.Failure, ex.Message);
        }

        if (signatures.Count == 0)
        {
            return Verdict(SignatureFailure.NotSigned, "The message has no Signature-Input field.");
        }

        var signature = SelectSignature(signatures, a.Label);
        HttpSignatureAlgorithm? claimed = HttpSignatureAlgorithms.TryParseRfc9421Name(signature.Parameters.Algorithm, out var named) ? named : null;
        using var key = keyFile.ToVerificationKey(algorithm, signature.KeyId, claimed);
        Describe(signature, key, time);

        var verifier = new HttpMessageVerifier(
            new HttpMessageVerifierOptions
            {
                ValidateTimestamps = !a.NoTimeCheck,
                MaxAge = TimeSpan.FromSeconds(a.MaxAge),
            },
            time);
        var result = verifier.Verify(message, signature, key);
        if ((result.Base ?? TryBuildBase(message, signature)) is { } signatureBase)
        {
            Console.Out.WriteLine(signatureBase.Text);
        }

        if (!result.IsValid)
        {
            return Verdict(result.Failure, result.Message);
        }

        if (message.Body is { Length: > 0 } && !signature.Components.Any(c => c.Name is "content-digest" or "digest" && !c.IsFromRequest))
        {
            Console.Error.WriteLine($"note: signature '{signature.Label}' does not cover content-digest: the body is not protected (OCM §Signing Requirements requires it).");
        }

        return CheckCoveredBody(message, signature) is { } bodyFailure
            ? Verdict(bodyFailure.Failure, bodyFailure.Message)
            : Verdict(SignatureFailure.None, string.Empty);
    }

    private static int VerifyCavage(HttpMessage message, SigKeyFile keyFile, SigArguments a, TimeProvider time)
    {
        CavageSignatureHeader? header;
        try
        {
            header = CavageSignatureHeader.Read(message);
        }
        catch (HttpSignatureException ex)
        {
            return Verdict(ex.Failure, ex.Message);
        }

        if (header is null)
        {
            return Verdict(SignatureFailure.NotSigned, "The request has no Signature or Authorization: Signature header.");
        }

        if (a.Alg is not null && !CavageAlgorithmNames.Contains(a.Alg, StringComparer.OrdinalIgnoreCase))
        {
            throw new SigUsageException($"unknown draft-cavage algorithm '{a.Alg}'; use one of {CavageAlgorithmList}.");
        }

        using var key = keyFile.ToVerificationKey(keyFile.KeyAlgorithmForCavage(header.KeyId), header.KeyId, null);
        Console.Error.WriteLine(
            $"signature: keyId=\"{header.KeyId}\" algorithm={header.Algorithm ?? "(none)"} headers=\"{string.Join(' ', header.Headers)}\"; key: {key.KeyType}");

        // Without the time check, the clock is set to when the message was signed, so that an old capture still
        // verifies (created/expires and the Date window are then consistent by construction).
        var clock = a.NoTimeCheck ? new FixedTimeProvider(SigningTime(message, header) ?? time.GetUtcNow().ToUnixTimeSeconds()) : time;
        var verifier = new CavageVerifier(
            new CavageVerifierOptions
            {
                ValidateDate = !a.NoTimeCheck,
                RequiredHeaders = [],
                RequireBodyIntegrity = false,
            },
            clock);
        var result = verifier.Verify(message, key);
        var signingString = result.SigningString ?? TryBuildSigningString(message, header);
        if (signingString is not null)
        {
            Console.Out.WriteLine(signingString);
        }

        if (result.IsValid && a.Alg is not null && header.Algorithm is not null
            && !string.Equals(a.Alg, header.Algorithm, StringComparison.OrdinalIgnoreCase))
        {
            return Verdict(SignatureFailure.AlgorithmMismatch, $"The signature says algorithm=\"{header.Algorithm}\", not {a.Alg}.");
        }

        return Verdict(result.Failure, result.Message);
    }

    private static int Verdict(SignatureFailure failure, string message)
    {
        Console.Out.WriteLine(failure == SignatureFailure.None ? "valid" : $"{failure}: {message}");
        return failure == SignatureFailure.None ? 0 : ExitInvalid;
    }

    private static void Describe(MessageSignature signature, VerificationKey key, TimeProvider time)
    {
        var p = signature.Parameters;
        var age = p.Created is { } created ? $" ({time.GetUtcNow().ToUnixTimeSeconds() - created} s ago)" : string.Empty;
        Console.Error.WriteLine(
            $"signature '{signature.Label}': keyid={Show(p.KeyId)} created={p.Created?.ToString(CultureInfo.InvariantCulture) ?? "-"}{age} "
            + $"alg={Show(p.Algorithm)} tag={Show(p.Tag)}; key: {key.Algorithm.GetRfc9421Name() ?? key.Algorithm.GetJwkName()}");
        static string Show(string? value) => value is null ? "-" : "\"" + value + "\"";
    }

    /// <summary>
    /// The signature covers the digest and length fields, not the body: check that they describe the body that is
    /// actually there (RFC 9530 §5, OCM §9.4 step 5). Components with <c>req</c> are checked on the related request.
    /// </summary>
    private static (SignatureFailure Failure, string Message)? CheckCoveredBody(HttpMessage message, MessageSignature signature)
    {
        foreach (var component in signature.Components)
        {
            var target = component.IsFromRequest ? message.RelatedRequest : message;
            if (target is null || component.Parameters.Any(p => p.Key != "req"))
            {
                continue;
            }

            var where = component.IsFromRequest ? " of the related request" : string.Empty;
            var body = target.Body ?? ReadOnlyMemory<byte>.Empty;
            switch (component.Name)
            {
                case "content-digest" when target.Headers.GetCombinedValue(ContentDigest.FieldName) is { } value:
                    if (ContentDigest.Verify(value, body.Span) is { IsMatch: false } digest)
                    {
                        return (ToFailure(digest.Status), digest.Message + where);
                    }

                    break;
                case "digest" when target.Headers.GetCombinedValue(LegacyDigest.FieldName) is { } value:
                    if (LegacyDigest.Verify(value, body.Span) is { IsMatch: false } legacy)
                    {
                        return (ToFailure(legacy.Status), legacy.Message + where);
                    }

                    break;
                case "content-length" when target.Headers.GetCombinedValue("Content-Length") is { } value:
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length != body.Length)
                    {
                        return (SignatureFailure.ContentLengthMismatch, $"Content-Length '{value}'{where} does not match the body ({body.Length} bytes).");
                    }

                    break;
            }
        }

        return null;

        static SignatureFailure ToFailure(DigestVerificationStatus status) =>
            status == DigestVerificationStatus.Mismatch ? SignatureFailure.DigestMismatch : SignatureFailure.DigestInvalid;
    }

    // ---- base ----------------------------------------------------------------------------------------------------

    private static async Task<int> BaseAsync(SigArguments a, TimeProvider time, CancellationToken cancellationToken)
    {
        a.RejectMisplacedOptions();
        var file = await ReadMessageAsync(a, cancellationToken);
        var keyFile = a.Key is null ? null : await SigKeyFile.ReadAsync(a.Key, cancellationToken);
        var text = a.Cavage ? CavageBase(file.Message, keyFile, a, time) : Rfc9421Base(file.Message, keyFile, a, time);
        Console.Out.WriteLine(text);
        return 0;
    }

    private static string Rfc9421Base(HttpMessage message, SigKeyFile? keyFile, SigArguments a, TimeProvider time)
    {
        var algorithm = ParseAlgorithm(a.Alg);
        if (a.Components is null)
        {
            IReadOnlyList<MessageSignature> signatures;
            try
            {
                signatures = MessageSignature.ReadAll(message);
            }
            catch (HttpSignatureException ex)
            {
                throw new SigUsageException(ex.Message);
            }

            if (signatures.Count > 0)
            {
                var signature = SelectSignature(signatures, a.Label);
                try
                {
                    return SignatureBase.Create(message, signature).Text;
                }
                catch (HttpSignatureException ex)
                {
                    throw new SigUsageException($"cannot build the signature base: {ex.Failure}: {ex.Message}");
                }
            }
        }

        // No signature to explain: the base that `sign` would sign with the same options.
        var keyId = a.KeyId ?? keyFile?.KeyIdFor(null);
        HttpSignatureAlgorithm? keyAlgorithm = algorithm;
        if (keyFile is not null && (algorithm is not null || a.IncludeAlg))
        {
            using var key = keyFile.ToVerificationKey(algorithm, keyId, null);
            keyAlgorithm = key.Algorithm;
        }

        PrepareBody(message, ParseDigest(a.Digest));
        var components = a.Components is null ? DefaultComponents(message) : ParseComponents(a.Components);
        try
        {
            return SignatureBase.Create(message, components, BuildParameters(a, keyId, keyAlgorithm, time)).Text;
        }
        catch (HttpSignatureException ex)
        {
            throw new SigUsageException($"cannot build the signature base: {ex.Failure}: {ex.Message}");
        }
    }

    private static string CavageBase(HttpMessage message, SigKeyFile? keyFile, SigArguments a, TimeProvider time)
    {
        if (!message.IsRequest)
        {
            throw new SigUsageException("draft-cavage signs requests only.");
        }

        CavageSignatureHeader? header;
        try
        {
            header = CavageSignatureHeader.Read(message);
        }
        catch (HttpSignatureException ex)
        {
            throw new SigUsageException(ex.Message);
        }

        try
        {
            if (header is not null && a.Headers is null)
            {
                return CavageSigningString.Build(message, header);
            }

            // As CavageSigner.Sign prepares the request before building the string.
            var headers = a.Headers is null ? DefaultCavageHeaders(message) : ParseCavageHeaders(a.Headers);
            var created = a.Created ?? time.GetUtcNow().ToUnixTimeSeconds();
            SetDate(message, headers, created);

            var body = message.Body ?? ReadOnlyMemory<byte>.Empty;
            if (message.Body is not null || headers.Contains("content-length"))
            {
                message.Headers.Set("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture));
            }

            if (message.Body is not null || headers.Contains("digest"))
            {
                message.Headers.Set(LegacyDigest.FieldName, LegacyDigest.Create(body.Span, ParseDigest(a.Digest) ?? DigestAlgorithm.Sha256));
            }

            var keyId = a.KeyId ?? keyFile?.KeyIdFor(null) ?? string.Empty;
            return CavageSigningString.Build(
                message,
                headers,
                keyId,
                a.Alg,
                headers.Contains("(created)") ? created : null,
                headers.Contains("(expires)") ? a.Expires ?? created + 300 : null);
        }
        catch (HttpSignatureException ex)
        {
            throw new SigUsageException($"cannot build the signing string: {ex.Failure}: {ex.Message}");
        }
    }

    // ---- shared --------------------------------------------------------------------------------------------------

    private static async Task<SigMessageFile> ReadMessageAsync(SigArguments a, CancellationToken cancellationToken)
    {
        if (a.Message == "-" && a.Request == "-")
        {
            throw new SigUsageException("only one of MESSAGE and --request can be read from standard input.");
        }

        var file = await SigMessageFile.ReadAsync(a.Message, a.Scheme, "MESSAGE", cancellationToken);
        if (a.Request is null)
        {
            return file;
        }

        if (file.Message.IsRequest)
        {
            throw new SigUsageException("--request gives the request a response answers (for components with ;req); MESSAGE is a request.");
        }

        var request = await SigMessageFile.ReadAsync(a.Request, a.Scheme, "--request", cancellationToken);
        if (!request.Message.IsRequest)
        {
            throw new SigUsageException($"--request '{a.Request}' is a response, not a request.");
        }

        file.Message.RelatedRequest = request.Message;
        return file;
    }

    private static MessageSignature SelectSignature(IReadOnlyList<MessageSignature> signatures, string? label)
    {
        var labels = string.Join(", ", signatures.Select(s => s.Label));
        if (label is not null)
        {
            return signatures.FirstOrDefault(s => s.Label == label)
                ?? throw new SigUsageException($"MESSAGE has no signature labelled '{label}' (labels: {labels}).");
        }

        if (signatures.Count == 1)
        {
            return signatures[0];
        }

        // As an OCM verifier would choose (by tag="ocm", OCM §Verification Requirements), else the conventional label.
        var tagged = signatures.Where(s => s.Tag == OcmSignatureProfile.Tag).ToList();
        return tagged.Count == 1
            ? tagged[0]
            : signatures.FirstOrDefault(s => s.Label == OcmSignatureProfile.DefaultLabel)
                ?? throw new SigUsageException($"MESSAGE has {signatures.Count} signatures ({labels}); choose one with --label.");
    }

    /// <summary>
    /// Gives a body the fields OCM §Signing Requirements asks for: an explicit Content-Length and a Content-Digest. An existing
    /// Content-Digest that matches the body is kept (it may use sha-512, as in the RFC 9421 examples).
    /// </summary>
    private static void PrepareBody(HttpMessage message, DigestAlgorithm? digest)
    {
        if (message.Body is not { Length: > 0 } body)
        {
            return;
        }

        var length = body.Length.ToString(CultureInfo.InvariantCulture);
        if (message.Headers.GetCombinedValue("Content-Length") is { } declared && declared != length)
        {
            Console.Error.WriteLine($"note: Content-Length {declared} did not match the body ({length} bytes); set to {length}.");
        }

        message.Headers.Set("Content-Length", length);
        var existing = message.Headers.GetCombinedValue(ContentDigest.FieldName);
        if (digest is null && existing is not null)
        {
            if (ContentDigest.Verify(existing, body.Span).IsMatch)
            {
                return;
            }

            Console.Error.WriteLine("note: Content-Digest did not match the body; replaced.");
        }

        message.Headers.Set(ContentDigest.FieldName, ContentDigest.Create(body.Span, digest ?? DigestAlgorithm.Sha256));
    }

    private static List<ComponentIdentifier> DefaultComponents(HttpMessage message)
    {
        List<ComponentIdentifier> components = message.IsRequest
            ? [.. OcmSignatureProfile.RequiredComponents]
            : [ComponentIdentifier.Status];
        if (message.Body is { Length: > 0 })
        {
            components.AddRange(OcmSignatureProfile.RequiredBodyComponents);
        }

        return components;
    }

    /// <summary>
    /// Reads <c>--components</c>: identifiers as in <c>Signature-Input</c> (<c>"@method" "@query-param";name="Pet"</c>),
    /// optionally in parentheses, or bare (<c>@method content-digest;req</c>).
    /// </summary>
    private static List<ComponentIdentifier> ParseComponents(string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith('(') && trimmed.EndsWith(')'))
        {
            trimmed = trimmed[1..^1];
        }

        var components = new List<ComponentIdentifier>();
        try
        {
            foreach (var token in Tokenize(trimmed))
            {
                var semicolon = token.IndexOf(';', StringComparison.Ordinal);
                var item = token.StartsWith('"') || semicolon < 0 ? token : "\"" + token[..semicolon] + "\"" + token[semicolon..];
                components.Add(ComponentIdentifier.Parse(item));
            }
        }
        catch (HttpSignatureException ex)
        {
            throw new SigUsageException("--components: " + ex.Message);
        }

        return components;

        // Whitespace separates identifiers, except inside a quoted string (a parameter value may contain spaces).
        static IEnumerable<string> Tokenize(string value)
        {
            var start = -1;
            var quoted = false;
            for (var i = 0; i <= value.Length; i++)
            {
                var end = i == value.Length;
                var c = end ? ' ' : value[i];
                if (!end && c == '"' && (i == 0 || value[i - 1] != '\\'))
                {
                    quoted = !quoted;
                }

                if (char.IsWhiteSpace(c) && !quoted)
                {
                    if (start >= 0)
                    {
                        yield return value[start..i];
                        start = -1;
                    }
                }
                else if (start < 0)
                {
                    start = i;
                }
            }
        }
    }

    /// <summary>The parameters in the order RFC 9421 and OCM Appendix B print them: created, keyid, alg, expires, nonce, tag.</summary>
    private static SignatureParameters BuildParameters(SigArguments a, string? keyId, HttpSignatureAlgorithm? algorithm, TimeProvider time)
    {
        var parameters = new SignatureParameters { Created = a.Created ?? time.GetUtcNow().ToUnixTimeSeconds() };
        if (keyId is not null)
        {
            parameters.KeyId = keyId;
        }
        else
        {
            Console.Error.WriteLine("note: no keyid (give --keyid, or use a JWK with a kid); OCM requires one (OCM §Signing Requirements).");
        }

        if (a.IncludeAlg)
        {
            if (algorithm is null)
            {
                throw new SigUsageException("--include-alg needs --alg or a key that names its algorithm.");
            }

            parameters.Algorithm = algorithm.Value.GetRfc9421Name()
                ?? throw new SigUsageException($"{algorithm.Value.GetJwkName()} has no RFC 9421 algorithm name, so the alg parameter must be omitted (OCM §Keys and Algorithms).");
        }

        if (a.Expires is { } expires)
        {
            parameters.Expires = expires;
        }

        if (a.Nonce is { } nonce)
        {
            parameters.Nonce = nonce;
        }

        // --tag "" means no tag at all (RFC 9421 examples); the default is OCM's.
        var tag = a.Tag ?? OcmSignatureProfile.Tag;
        if (tag.Length > 0)
        {
            parameters.Tag = tag;
        }

        return parameters;
    }

    private static HttpSignatureAlgorithm? ParseAlgorithm(string? name)
    {
        if (name is null)
        {
            return null;
        }

        // RFC 9421 names, and JWK names as operators copy them from a JWK Set.
        return HttpSignatureAlgorithms.TryParseRfc9421Name(name, out var algorithm) || HttpSignatureAlgorithms.TryParseJwkName(name, out algorithm)
            ? algorithm
            : throw new SigUsageException($"unknown algorithm '{name}'; use one of {AlgorithmList} (with --cavage: {CavageAlgorithmList}).");
    }

    private static DigestAlgorithm? ParseDigest(string? name) =>
        name is null ? null
        : DigestAlgorithms.TryParse(name, out var algorithm) ? algorithm
        : throw new SigUsageException($"unknown digest algorithm '{name}'; use sha-256 or sha-512.");

    /// <summary>
    /// draft-cavage has no created parameter in practice: the signed Date is what verifiers check (Nextcloud: ±300 s),
    /// so a re-signed capture gets the signing time, not the old Date.
    /// </summary>
    private static void SetDate(HttpMessage message, List<string> headers, long signedAt)
    {
        if (!headers.Contains("date"))
        {
            return;
        }

        var date = DateTimeOffset.FromUnixTimeSeconds(signedAt).ToString("r", CultureInfo.InvariantCulture);
        if (message.Headers.GetCombinedValue("Date") is { } existing && existing != date)
        {
            Console.Error.WriteLine($"note: Date '{existing}' replaced by the signing time '{date}'.");
        }

        message.Headers.Set("Date", date);
    }

    private static List<string> DefaultCavageHeaders(HttpMessage message) =>
        message.Body is { Length: > 0 } ? ["(request-target)", "content-length", "date", "digest", "host"] : ["(request-target)", "date", "host"];

    private static List<string> ParseCavageHeaders(string text)
    {
        var headers = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(h => h.ToLowerInvariant())
            .ToList();
        return headers.Count > 0 ? headers : throw new SigUsageException("--headers is empty.");
    }

    private static SignatureBase? TryBuildBase(HttpMessage message, MessageSignature signature)
    {
        try
        {
            return SignatureBase.Create(message, signature);
        }
        catch (HttpSignatureException)
        {
            return null; // the verdict says why
        }
    }

    private static string? TryBuildSigningString(HttpMessage message, CavageSignatureHeader header)
    {
        try
        {
            return CavageSigningString.Build(message, header);
        }
        catch (HttpSignatureException)
        {
            return null;
        }
    }

    private static long? SigningTime(HttpMessage message, CavageSignatureHeader header)
    {
        if (header.Created is { } created)
        {
            return created;
        }

        return message.Headers.GetCombinedValue("Date") is { } date
            && DateTimeOffset.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed.ToUnixTimeSeconds()
            : null;
    }

    private sealed class FixedTimeProvider(long unixSeconds) : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeSeconds(unixSeconds);

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
