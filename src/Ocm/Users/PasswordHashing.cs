using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;

namespace Ocm.Users;

/// <summary>
/// Hashes and checks passwords and app passwords.
/// <para>
/// Why ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>: it ships in the shared framework (no extra package to
/// trust or keep patched), is maintained with the runtime, and its v3 format is PBKDF2-HMAC-SHA512 with a 128-bit
/// random salt and 100,000 iterations (OWASP's recommendation for PBKDF2-SHA512 is 210,000; we configure that), compared
/// in constant time. The format is self-describing, so raising the iteration count later re-hashes on the next
/// successful sign-in (<see cref="PasswordVerificationResult.SuccessRehashNeeded"/>). Argon2id would resist GPUs
/// better but needs a third-party native or managed package; the per-user and per-IP throttle covers online guessing.
/// </para>
/// </summary>
internal sealed class PasswordHashing
{
    /// <summary>OWASP Password Storage Cheat Sheet (2023) value for PBKDF2-HMAC-SHA512.</summary>
    public const int Iterations = 210_000;

    private static readonly User HasherUser = new() { Name = "", NormalizedName = "", PasswordHash = "" };

    private readonly PasswordHasher<User> _hasher = new(Microsoft.Extensions.Options.Options.Create(new PasswordHasherOptions
    {
        CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3,
        IterationCount = Iterations,
    }));

    private readonly Lazy<string> _dummyHash;

    public PasswordHashing(RandomNumberGenerator random)
    {
        // Compared against when the user does not exist, so an unknown name costs as much time as a wrong password.
        _dummyHash = new Lazy<string>(() => Hash(SecretGenerator.Password(random)));
    }

    public string Hash(string password) => _hasher.HashPassword(HasherUser, password);

    public PasswordCheck Verify(string hash, string password) =>
        _hasher.VerifyHashedPassword(HasherUser, hash, password) switch
        {
            PasswordVerificationResult.Success => PasswordCheck.Valid,
            PasswordVerificationResult.SuccessRehashNeeded => PasswordCheck.ValidRehashNeeded,
            _ => PasswordCheck.Invalid,
        };

    /// <summary>Spends the same time as <see cref="Verify"/> without a real hash.</summary>
    public void VerifyDummy(string password) => _hasher.VerifyHashedPassword(HasherUser, _dummyHash.Value, password);
}

internal enum PasswordCheck
{
    Invalid,
    Valid,
    ValidRehashNeeded,
}

/// <summary>Generated passwords: uniformly random over an alphabet without look-alike characters.</summary>
internal static class SecretGenerator
{
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    private const string AppAlphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>24 characters of a 56-letter alphabet: 139 bits.</summary>
    public static string Password(RandomNumberGenerator random) => Random(random, Alphabet, 24);

    /// <summary>
    /// Five dash-separated groups of five lower-case letters and digits (125 bits), easy to type on a phone. The shape
    /// lets the sign-in check recognise an app password before trying the user's app passwords.
    /// </summary>
    public static string AppPassword(RandomNumberGenerator random)
    {
        var raw = Random(random, AppAlphabet, 25);
        return string.Join('-', raw.Chunk(5).Select(c => new string(c)));
    }

    public static bool LooksLikeAppPassword(string value)
    {
        if (value.Length != 29)
        {
            return false;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var expectDash = i % 6 == 5;
            if (expectDash ? value[i] != '-' : !AppAlphabet.Contains(value[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Random(RandomNumberGenerator random, string alphabet, int length)
    {
        // Rejection sampling keeps every character equally likely.
        var limit = 256 - (256 % alphabet.Length);
        var chars = new char[length];
        Span<byte> buffer = stackalloc byte[64];
        var filled = 0;
        while (filled < length)
        {
            random.GetBytes(buffer);
            foreach (var b in buffer)
            {
                if (b < limit && filled < length)
                {
                    chars[filled++] = alphabet[b % alphabet.Length];
                }
            }
        }

        return new string(chars);
    }
}
