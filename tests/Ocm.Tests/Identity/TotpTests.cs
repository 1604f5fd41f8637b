using System.Text;
using Ocm.Identity.Mfa;

namespace Ocm.Tests.Identity;

public sealed class TotpTests
{
    // RFC 6238 Appendix B, SHA-1 rows: the 8-digit values' last six digits are the 6-digit codes.
    [Theory]
    [InlineData(59L, "287082")]
    [InlineData(1111111109L, "081804")]
    [InlineData(1111111111L, "050471")]
    [InlineData(1234567890L, "005924")]
    [InlineData(2000000000L, "279037")]
    [InlineData(20000000000L, "353130")]
    public void Code_Rfc6238TestVectors_Match(long unixTime, string expected)
    {
        var key = Encoding.ASCII.GetBytes("12345678901234567890");

        Assert.Equal(expected, Totp.Code(key, Totp.StepAt(DateTimeOffset.FromUnixTimeSeconds(unixTime))));
    }

    [Fact]
    public void MatchingStep_OneStepOfDriftEitherWay_Accepted_TwoSteps_Refused()
    {
        var key = Encoding.ASCII.GetBytes("12345678901234567890");
        var now = DateTimeOffset.FromUnixTimeSeconds(1234567890);
        var step = Totp.StepAt(now);

        Assert.Equal(step - 1, Totp.MatchingStep(key, Totp.Code(key, step - 1), now));
        Assert.Equal(step + 1, Totp.MatchingStep(key, Totp.Code(key, step + 1), now));
        Assert.Null(Totp.MatchingStep(key, Totp.Code(key, step - 2), now));
        Assert.Null(Totp.MatchingStep(key, "12345", now));
        Assert.Null(Totp.MatchingStep(key, "abcdef", now));
    }

    [Fact]
    public void ToBase32_Rfc4648Vectors_WithoutPadding()
    {
        Assert.Equal("MZXW6YTBOI", Totp.ToBase32(Encoding.ASCII.GetBytes("foobar")));
        Assert.Equal("MY", Totp.ToBase32(Encoding.ASCII.GetBytes("f")));
        Assert.Equal("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", Totp.ToBase32(Encoding.ASCII.GetBytes("12345678901234567890")));
    }
}
