using System.Text;
using Ocm.Protocol.Invites;

namespace Ocm.Protocol.Tests.Invites;

// OCM §Invite Flow › Invite format, and the base64 alphabet of OCM 1.2.2–1.3.
public sealed class InviteStringTests
{
    private const string SpecToken = "3f8c2a1e-7b4d-4c9a-9e21-5d6f0a1b2c3d";
    private const string SpecEncoded = "M2Y4YzJhMWUtN2I0ZC00YzlhLTllMjEtNWQ2ZjBhMWIyYzNkQGNsb3VkLmV4YW1wbGUub3Jn";

    [Fact]
    public void Encode_SpecExample_MatchesBase64UrlWithoutPadding()
    {
        var invite = new InviteString(SpecToken, "cloud.example.org");

        Assert.Equal(SpecEncoded, invite.Encode());
        Assert.Equal(SpecEncoded, invite.ToString());
    }

    [Fact]
    public void Parse_SpecExample_YieldsTokenAndProvider()
    {
        var invite = InviteString.Parse(SpecEncoded);

        Assert.Equal(SpecToken, invite.Token);
        Assert.Equal("cloud.example.org", invite.ProviderDomain);
    }

    [Theory]
    [InlineData("tok", "a.example")]
    [InlineData("tok@with@ats", "cloud.example.org:8443")]
    [InlineData("?>?>?>", "b.example")] // bytes that need '-' and '_' in base64url
    [InlineData("ünïcödé", "bücher.example")]
    public void Encode_ThenParse_RoundTrips(string token, string domain)
    {
        var encoded = new InviteString(token, domain).Encode();

        Assert.DoesNotContain('=', encoded);
        Assert.DoesNotContain('+', encoded);
        Assert.DoesNotContain('/', encoded);
        var parsed = InviteString.Parse(encoded);
        Assert.Equal(token, parsed.Token);
        Assert.Equal(domain, parsed.ProviderDomain);
    }

    [Fact]
    public void Parse_StandardBase64WithPadding_IsAccepted()
    {
        // 1.2.2–1.3 peers used the standard alphabet with padding.
        var raw = Encoding.UTF8.GetBytes("?>?>?>x@b.example");
        var standard = Convert.ToBase64String(raw);
        Assert.Contains('=', standard);
        Assert.True(standard.Contains('+', StringComparison.Ordinal) || standard.Contains('/', StringComparison.Ordinal));

        var invite = InviteString.Parse(standard);

        Assert.Equal("?>?>?>x", invite.Token);
        Assert.Equal("b.example", invite.ProviderDomain);
    }

    [Fact]
    public void Parse_Base64UrlWithPaddingAndWhitespace_IsAccepted()
    {
        var padded = Convert.ToBase64String(Encoding.UTF8.GetBytes("t@c.example")).Replace('+', '-').Replace('/', '_');
        var invite = InviteString.Parse("  " + padded[..4] + "\n" + padded[4..] + " ");

        Assert.Equal("t", invite.Token);
    }

    [Fact]
    public void Parse_ProviderWithScheme_IsNormalized()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("tok@https://Cloud.Example.org/"));

        Assert.Equal("cloud.example.org", InviteString.Parse(encoded).ProviderDomain);
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("not base64!", "not base64url")]
    [InlineData("abcde", "not base64url")] // length % 4 == 1 cannot be base64
    [InlineData("dG9rZW4", "token@provider")] // "token": no '@'
    [InlineData("QGV4YW1wbGUub3Jn", "token@provider")] // "@example.org": empty token
    [InlineData("dG9rQA", "token@provider")] // "tok@": empty provider
    [InlineData("dG9rQGJhZCBob3N0", "not a valid host")] // "tok@bad host"
    [InlineData("dG9rQGgvcGF0aA", "not a valid host")] // "tok@h/path"
    [InlineData("__79", "UTF-8")] // 0xFF 0xFE 0xFD: not UTF-8
    public void TryParse_Garbage_FailsWithClearError(string? input, string reasonFragment)
    {
        Assert.False(InviteString.TryParse(input, out var invite, out var error));
        Assert.Null(invite);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Garbage_ThrowsFormatException()
    {
        var ex = Assert.Throws<FormatException>(() => InviteString.Parse("%%%"));
        Assert.StartsWith("Invalid invite string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_InvalidDomain_Throws()
    {
        Assert.Throws<ArgumentException>(() => new InviteString("tok", "bad host"));
        Assert.Throws<ArgumentException>(() => new InviteString("", "a.example"));
    }
}
