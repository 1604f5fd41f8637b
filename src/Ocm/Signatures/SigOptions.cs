using System.CommandLine;

namespace Ocm.Signatures;

/// <summary>Which <c>ocm sig</c> command an option set belongs to.</summary>
internal enum SigCommandKind
{
    Sign,
    Verify,
    Base,
}

/// <summary>The values of one <c>ocm sig</c> invocation.</summary>
internal sealed record SigArguments
{
    public required string Message { get; init; }

    public string? Key { get; init; }

    public string? Alg { get; init; }

    public string? Label { get; init; }

    public string Scheme { get; init; } = "https";

    public bool Cavage { get; init; }

    public string? Request { get; init; }

    public string? KeyId { get; init; }

    public string? Components { get; init; }

    public long? Created { get; init; }

    public long? Expires { get; init; }

    public string? Nonce { get; init; }

    public string? Tag { get; init; }

    public bool IncludeAlg { get; init; }

    public string? Digest { get; init; }

    public string? Headers { get; init; }

    public bool NoTimeCheck { get; init; }

    public int MaxAge { get; init; } = 300;

    /// <summary>Options of one scheme given together with the other scheme are mistakes worth saying so.</summary>
    public void RejectMisplacedOptions()
    {
        if (Cavage)
        {
            var rfc9421Only = new (string Name, bool Given)[]
            {
                ("--components", Components is not null),
                ("--label", Label is not null),
                ("--tag", Tag is not null),
                ("--nonce", Nonce is not null),
                ("--include-alg", IncludeAlg),
                ("--request", Request is not null),
            };
            if (rfc9421Only.FirstOrDefault(o => o.Given).Name is { } name)
            {
                throw new SigUsageException($"{name} is for RFC 9421 signatures, not with --cavage (draft-cavage lists what it signs in --headers).");
            }
        }
        else if (Headers is not null)
        {
            throw new SigUsageException("--headers is for draft-cavage (--cavage); RFC 9421 signatures list what they cover in --components.");
        }

        if (Scheme.Length == 0 || !Uri.CheckSchemeName(Scheme))
        {
            throw new SigUsageException($"--scheme '{Scheme}' is not a URI scheme.");
        }

        if (MaxAge < 0)
        {
            throw new SigUsageException("--max-age must not be negative.");
        }
    }
}

/// <summary>The options of one <c>ocm sig</c> command (a fresh set per command: System.CommandLine symbols have one parent).</summary>
internal sealed class SigOptions
{
    private readonly Argument<string> _message = new("MESSAGE")
    {
        Description = "Raw HTTP/1.1 message file: request line or status line, header lines, an empty line, the body; - reads standard input.",
    };

    private readonly Option<string?> _key;
    private readonly bool _keyRequired;
    private readonly Option<string?> _alg;
    private readonly Option<string?> _label;
    private readonly Option<string> _scheme = new("--scheme")
    {
        Description = "The scheme of @target-uri and @scheme (the request line carries only the path; the authority comes from Host).",
        DefaultValueFactory = _ => "https",
        HelpName = "SCHEME",
    };

    private readonly Option<bool> _cavage = new("--cavage")
    {
        Description = "Use draft-cavage-http-signatures-12 (OCM 1.2, Nextcloud towards peers without http-sig): a signing string, "
            + "the Signature header and a Digest header instead of RFC 9421 and Content-Digest.",
    };

    private readonly Option<string?> _request = new("--request")
    {
        Description = "The request a response MESSAGE answers, for components with the ;req parameter (RFC 9421 §2.4).",
        HelpName = "FILE",
    };

    private readonly Option<string?>? _keyId;
    private readonly Option<string?>? _components;
    private readonly Option<long?>? _created;
    private readonly Option<long?>? _expires;
    private readonly Option<string?>? _nonce;
    private readonly Option<string?>? _tag;
    private readonly Option<bool>? _includeAlg;
    private readonly Option<string?>? _digest;
    private readonly Option<string?>? _headers;
    private readonly Option<bool>? _noTimeCheck;
    private readonly Option<int>? _maxAge;

    public SigOptions(SigCommandKind kind)
    {
        _key = new Option<string?>("--key")
        {
            Description = kind switch
            {
                SigCommandKind.Sign => "Required. Private key file: PEM (PKCS#8, PKCS#1, SEC1) or JWK / JWK Set with the private members.",
                SigCommandKind.Verify => "Required. Key file: PEM or JWK, public or private, or a peer's whole JWK Set (the signature's keyid picks the key).",
                _ => "Key file (optional): supplies the keyid (a JWK's kid) and the algorithm for --include-alg.",
            },
            HelpName = "FILE",
        };
        _keyRequired = kind != SigCommandKind.Base;
        _alg = new Option<string?>("--alg")
        {
            Description = "Algorithm: ed25519, ecdsa-p256-sha256, ecdsa-p384-sha384, rsa-pss-sha512, rsa-v1_5-sha256, hmac-sha256 "
                + "(with --cavage: rsa-sha256, rsa-sha512, hs2019). A JWK's alg decides; --alg must then agree. Needed for RSA keys without alg.",
            HelpName = "ALG",
        };
        _label = new Option<string?>("--label")
        {
            Description = kind == SigCommandKind.Sign
                ? "Signature label (default ocm)."
                : "Which signature of the message (default: the only one, else the one tagged ocm, else the one labelled ocm).",
            HelpName = "NAME",
        };

        if (kind != SigCommandKind.Verify)
        {
            _keyId = new Option<string?>("--keyid") { Description = "The keyid parameter (default: the JWK's kid); with --cavage the keyId.", HelpName = "ID" };
            _components = new Option<string?>("--components")
            {
                Description = "Covered components as in Signature-Input, e.g. '\"@method\" \"@target-uri\" \"content-digest\" \"content-length\"' "
                    + "(the default with a body; without one \"@method\" \"@target-uri\"; for a response \"@status\" …). Bare names work too, but a separate argument starting with @ is read as a response file: write --components=@method … then.",
                HelpName = "LIST",
            };
            _created = new Option<long?>("--created") { Description = "The created parameter, Unix seconds (default now).", HelpName = "UNIX" };
            _expires = new Option<long?>("--expires") { Description = "Add the expires parameter, Unix seconds.", HelpName = "UNIX" };
            _nonce = new Option<string?>("--nonce") { Description = "Add the nonce parameter.", HelpName = "NONCE" };
            _tag = new Option<string?>("--tag") { Description = "The tag parameter (default ocm, as OCM §Signing Requirements requires; --tag \"\" for none).", HelpName = "TAG" };
            _includeAlg = new Option<bool>("--include-alg")
            {
                Description = "Add the alg parameter (optional in OCM; omitted by default, as Nextcloud and the RFC 9421 examples do).",
            };
            _digest = new Option<string?>("--digest")
            {
                Description = "Digest algorithm for Content-Digest (or Digest with --cavage): sha-256 (default) or sha-512. "
                    + "Without it a matching Content-Digest already in the message is kept.",
                HelpName = "ALG",
            };
            _headers = new Option<string?>("--headers")
            {
                Description = "With --cavage: the signed headers, e.g. \"(request-target) date digest host\" "
                    + "(default \"(request-target) content-length date digest host\", without a body \"(request-target) date host\").",
                HelpName = "LIST",
            };
        }
        else
        {
            _noTimeCheck = new Option<bool>("--no-time-check")
            {
                Description = "Do not check created/expires (with --cavage: the Date window): for captured or old messages.",
            };
            _maxAge = new Option<int>("--max-age")
            {
                Description = "Reject signatures whose created is older than this many seconds (the limit opencloudmesh-go uses too).",
                DefaultValueFactory = _ => 300,
                HelpName = "SECONDS",
            };
        }
    }

    public void AddTo(Command command)
    {
        command.Arguments.Add(_message);
        Option?[] options =
        [
            _key, _alg, _label, _keyId, _components, _created, _expires, _nonce, _tag, _includeAlg, _digest,
            _request, _scheme, _noTimeCheck, _maxAge, _cavage, _headers,
        ];
        foreach (var option in options)
        {
            if (option is not null)
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>The values; a missing required <c>--key</c> is reported here so that it exits 2 like other usage errors.</summary>
    public SigArguments Read(ParseResult parse) => new()
    {
        Message = parse.GetValue(_message)!,
        Key = parse.GetValue(_key) ?? (_keyRequired ? throw new SigUsageException("--key FILE is required.") : null),
        Alg = parse.GetValue(_alg),
        Label = parse.GetValue(_label),
        Scheme = parse.GetValue(_scheme) ?? "https",
        Cavage = parse.GetValue(_cavage),
        Request = parse.GetValue(_request),
        KeyId = _keyId is null ? null : parse.GetValue(_keyId),
        Components = _components is null ? null : parse.GetValue(_components),
        Created = _created is null ? null : parse.GetValue(_created),
        Expires = _expires is null ? null : parse.GetValue(_expires),
        Nonce = _nonce is null ? null : parse.GetValue(_nonce),
        Tag = _tag is null ? null : parse.GetValue(_tag),
        IncludeAlg = _includeAlg is not null && parse.GetValue(_includeAlg),
        Digest = _digest is null ? null : parse.GetValue(_digest),
        Headers = _headers is null ? null : parse.GetValue(_headers),
        NoTimeCheck = _noTimeCheck is not null && parse.GetValue(_noTimeCheck),
        MaxAge = _maxAge is null ? 300 : parse.GetValue(_maxAge),
    };
}
