using System.Numerics;
using System.Security.Cryptography;

namespace Ocm.Protocol.Signatures.Keys;

/// <summary>RSASSA-PSS verification that recovers the salt length (RFC 8017 §8.1.2 and §9.1.2), MGF1 with the same hash.</summary>
internal static class RsaPss
{
    public static bool VerifyAnySaltLength(RSAParameters publicKey, HashAlgorithmName hash, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        var modulus = publicKey.Modulus!;
        var k = modulus.Length;
        if (signature.Length != k)
        {
            return false;
        }

        // RSAVP1: m = s^e mod n
        var n = new BigInteger(modulus, isUnsigned: true, isBigEndian: true);
        var s = new BigInteger(signature, isUnsigned: true, isBigEndian: true);
        if (s >= n)
        {
            return false;
        }

        var m = BigInteger.ModPow(s, new BigInteger(publicKey.Exponent!, isUnsigned: true, isBigEndian: true), n);
        var modBits = (int)n.GetBitLength();
        var emBits = modBits - 1;
        var emLen = (emBits + 7) / 8;
        var mBytes = m.ToByteArray(isUnsigned: true, isBigEndian: true);
        if (mBytes.Length > emLen)
        {
            return false;
        }

        var em = new byte[emLen];
        mBytes.CopyTo(em, emLen - mBytes.Length);

        var mHash = HashData(hash, message);
        var hLen = mHash.Length;
        if (emLen < hLen + 2 || em[^1] != 0xBC)
        {
            return false;
        }

        var dbLen = emLen - hLen - 1;
        var h = em.AsSpan(dbLen, hLen);
        var zeroBits = (8 * emLen) - emBits;
        var topMask = (byte)(0xFF >> zeroBits);
        if ((em[0] & ~topMask) != 0)
        {
            return false;
        }

        var db = Mgf1(hash, h, dbLen);
        for (var i = 0; i < dbLen; i++)
        {
            db[i] ^= em[i];
        }

        db[0] &= topMask;
        var one = Array.FindIndex(db, b => b != 0);
        if (one < 0 || db[one] != 0x01)
        {
            return false;
        }

        var salt = db.AsSpan(one + 1);
        var mPrime = new byte[8 + hLen + salt.Length];
        mHash.CopyTo(mPrime, 8);
        salt.CopyTo(mPrime.AsSpan(8 + hLen));
        return CryptographicOperations.FixedTimeEquals(HashData(hash, mPrime), h);
    }

    private static byte[] Mgf1(HashAlgorithmName hash, ReadOnlySpan<byte> seed, int length)
    {
        var output = new byte[length];
        var input = new byte[seed.Length + 4];
        seed.CopyTo(input);
        var offset = 0;
        for (uint counter = 0; offset < length; counter++)
        {
            input[^4] = (byte)(counter >> 24);
            input[^3] = (byte)(counter >> 16);
            input[^2] = (byte)(counter >> 8);
            input[^1] = (byte)counter;
            var block = HashData(hash, input);
            var take = Math.Min(block.Length, length - offset);
            block.AsSpan(0, take).CopyTo(output.AsSpan(offset));
            offset += take;
        }

        return output;
    }

    private static byte[] HashData(HashAlgorithmName hash, ReadOnlySpan<byte> data) => hash.Name switch
    {
        "SHA256" => SHA256.HashData(data),
        "SHA384" => SHA384.HashData(data),
        "SHA512" => SHA512.HashData(data),
        _ => throw new CryptographicException($"Unsupported hash {hash.Name}."),
    };
}
