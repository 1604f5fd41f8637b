using System.Buffers.Binary;
using System.Security.Cryptography;
using Ocm.Users;

namespace Ocm.Tests.Users;

public sealed class PasswordHashingTests
{
    private static readonly PasswordHashing Hashing = new(RandomNumberGenerator.Create());

    [Fact]
    public void Verify_CorrectPassword_IsValid()
    {
        var hash = Hashing.Hash("correct horse battery");
        Assert.Equal(PasswordCheck.Valid, Hashing.Verify(hash, "correct horse battery"));
    }

    [Theory]
    [InlineData("correct horse batterY")]
    [InlineData("correct horse battery ")]
    [InlineData("")]
    public void Verify_WrongPassword_IsInvalid(string attempt)
    {
        var hash = Hashing.Hash("correct horse battery");
        Assert.Equal(PasswordCheck.Invalid, Hashing.Verify(hash, attempt));
    }

    [Fact]
    public void Verify_CorruptHash_IsInvalid()
    {
        Assert.Equal(PasswordCheck.Invalid, Hashing.Verify("not a hash", "x"));
    }

    [Fact]
    public void Hash_IsSaltedPbkdf2Sha512WithConfiguredIterations()
    {
        var first = Convert.FromBase64String(Hashing.Hash("same password"));
        var second = Convert.FromBase64String(Hashing.Hash("same password"));
        Assert.NotEqual(first, second);

        // Identity v3 format: 0x01, PRF (2 = HMAC-SHA512), iteration count, salt length, salt, subkey.
        Assert.Equal(0x01, first[0]);
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(1)));
        Assert.Equal((uint)PasswordHashing.Iterations, BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(5)));
        Assert.Equal(16u, BinaryPrimitives.ReadUInt32BigEndian(first.AsSpan(9)));
        Assert.Equal(13 + 16 + 32, first.Length);
    }

    [Fact]
    public void Verify_HashWithFewerIterations_AsksForRehash()
    {
        var weaker = new Microsoft.AspNetCore.Identity.PasswordHasher<User>(Microsoft.Extensions.Options.Options.Create(
            new Microsoft.AspNetCore.Identity.PasswordHasherOptions { IterationCount = 1000 }));
        var hash = weaker.HashPassword(new User { Name = "", NormalizedName = "", PasswordHash = "" }, "pw-123456");
        Assert.Equal(PasswordCheck.ValidRehashNeeded, Hashing.Verify(hash, "pw-123456"));
    }

    [Fact]
    public void AppPassword_HasRecognisableShapeAndIsRandom()
    {
        var random = RandomNumberGenerator.Create();
        var one = SecretGenerator.AppPassword(random);
        var two = SecretGenerator.AppPassword(random);
        Assert.Matches("^[a-z2-9]{5}(-[a-z2-9]{5}){4}$", one);
        Assert.NotEqual(one, two);
        Assert.True(SecretGenerator.LooksLikeAppPassword(one));
        Assert.False(SecretGenerator.LooksLikeAppPassword("secret123"));
        Assert.False(SecretGenerator.LooksLikeAppPassword(one.ToUpperInvariant()));
    }

    [Fact]
    public void Password_Has24CharactersWithoutLookAlikes()
    {
        var password = SecretGenerator.Password(RandomNumberGenerator.Create());
        Assert.Equal(24, password.Length);
        Assert.DoesNotContain(password, c => "0O1lI".Contains(c));
    }
}
