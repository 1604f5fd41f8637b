using Ocm.Users;

namespace Ocm.Tests.Users;

/// <summary>Quotas as operators type them (`ocm user add --quota`, the admin page): bytes, K/M/G/T, or unlimited.</summary>
public sealed class QuotaParsingTests
{
    [Theory]
    [InlineData("4096", 4096L)]
    [InlineData("1M", 1048576L)]
    [InlineData("1.5k", 1536L)]
    [InlineData("2T", 2199023255552L)]
    public void Quotas_AreReadAsBytes(string text, long bytes)
    {
        Assert.Equal(bytes, UserCommands.ParseQuota(text, out var unlimited));
        Assert.False(unlimited);
    }

    [Fact]
    public void Unlimited_IsNoQuota()
    {
        Assert.Null(UserCommands.ParseQuota("unlimited", out var unlimited));
        Assert.True(unlimited);
    }

    [Theory]
    [InlineData("lots", "is not a quota")]
    [InlineData("-1", "is not a quota")]
    [InlineData("5X", "is not a quota")]
    [InlineData("9300000000000000000", "too large")]
    [InlineData("9999999999999999999999999999T", "too large")] // the decimal product itself overflows: was an OverflowException
    public void Nonsense_IsRefusedWithAReason(string text, string reason)
    {
        var error = Assert.Throws<UserAccountException>(() => UserCommands.ParseQuota(text, out _));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
