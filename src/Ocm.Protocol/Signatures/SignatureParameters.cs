using Ocm.Protocol.Signatures.StructuredFields;

namespace Ocm.Protocol.Signatures;

/// <summary>
/// The parameters of a signature (RFC 9421 §2.3): <c>created</c>, <c>expires</c>, <c>nonce</c>, <c>alg</c>,
/// <c>keyid</c>, <c>tag</c> and any extension. Order is significant — it is reproduced byte for byte in
/// <c>@signature-params</c> — and is the order in which parameters were first set
/// (so <c>new SignatureParameters { Created = …, KeyId = … }</c> serializes as <c>;created=…;keyid=…</c>).
/// </summary>
public sealed class SignatureParameters
{
    private readonly SfParameters _parameters;

    /// <summary>Creates empty parameters.</summary>
    public SignatureParameters()
    {
        _parameters = new SfParameters();
    }

    private SignatureParameters(SfParameters parameters)
    {
        _parameters = parameters;
    }

    /// <summary><c>created</c>: Unix seconds when the signature was made.</summary>
    public long? Created
    {
        get => GetInteger("created");
        set => SetInteger("created", value);
    }

    /// <summary><c>expires</c>: Unix seconds after which the signature is invalid.</summary>
    public long? Expires
    {
        get => GetInteger("expires");
        set => SetInteger("expires", value);
    }

    /// <summary><c>nonce</c>: a random value chosen by the signer.</summary>
    public string? Nonce
    {
        get => GetString("nonce");
        set => SetString("nonce", value);
    }

    /// <summary><c>alg</c>: the RFC 9421 algorithm name; verifiers check it against the key, never trust it alone.</summary>
    public string? Algorithm
    {
        get => GetString("alg");
        set => SetString("alg", value);
    }

    /// <summary><c>keyid</c>: the key identifier (in OCM the JWK <c>kid</c>).</summary>
    public string? KeyId
    {
        get => GetString("keyid");
        set => SetString("keyid", value);
    }

    /// <summary><c>tag</c>: the application profile (<c>ocm</c> for OCM).</summary>
    public string? Tag
    {
        get => GetString("tag");
        set => SetString("tag", value);
    }

    /// <summary>All parameters in order (including extensions).</summary>
    public IReadOnlyList<KeyValuePair<string, SfBareItem>> All => _parameters;

    /// <summary>Sets any parameter (for extensions); the value replaces an existing one in place.</summary>
    public SignatureParameters Set(string key, SfBareItem value)
    {
        _parameters.Set(key, value);
        return this;
    }

    /// <summary>
    /// Reads the parameters of a <c>Signature-Input</c> member, checking the types of the registered ones
    /// (<c>created</c>/<c>expires</c> integers, <c>nonce</c>/<c>alg</c>/<c>keyid</c>/<c>tag</c> strings).
    /// </summary>
    /// <exception cref="HttpSignatureException">A registered parameter has the wrong type.</exception>
    public static SignatureParameters FromStructuredField(SfParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var (key, value) in parameters)
        {
            var expected = key switch
            {
                "created" or "expires" => SfBareItemType.Integer,
                "nonce" or "alg" or "keyid" or "tag" => SfBareItemType.String,
                _ => (SfBareItemType?)null,
            };
            if (expected is { } type && value.Type != type)
            {
                throw new HttpSignatureException(
                    SignatureFailure.MalformedHeader,
                    $"Signature parameter '{key}' must be {(type == SfBareItemType.Integer ? "an integer" : "a string")}, not {value}.");
            }
        }

        return new SignatureParameters(parameters.Clone());
    }

    /// <summary>A copy of the parameters as structured-field parameters.</summary>
    public SfParameters ToStructuredField() => _parameters.Clone();

    /// <summary>The serialized parameters, e.g. <c>;created=1618884473;keyid="test-key-rsa-pss"</c>.</summary>
    public override string ToString() => _parameters.ToString();

    internal SfParameters Raw => _parameters;

    private long? GetInteger(string key) => _parameters.TryGetValue(key, out var v) && v.TryGetInteger(out var i) ? i : null;

    private string? GetString(string key) => _parameters.TryGetValue(key, out var v) && v.TryGetString(out var s) ? s : null;

    private void SetInteger(string key, long? value)
    {
        if (value is null)
        {
            _parameters.Remove(key);
        }
        else
        {
            _parameters.SetUnchecked(key, SfBareItem.FromInteger(value.Value));
        }
    }

    private void SetString(string key, string? value)
    {
        if (value is null)
        {
            _parameters.Remove(key);
        }
        else
        {
            _parameters.SetUnchecked(key, SfBareItem.FromString(value));
        }
    }
}
