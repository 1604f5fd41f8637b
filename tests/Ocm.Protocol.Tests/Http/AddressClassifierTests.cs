using System.Net;
using Ocm.Protocol.Http;

namespace Ocm.Protocol.Tests.Http;

public sealed class AddressClassifierTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.3")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")] // cloud metadata
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fc00::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("ff02::1")]
    [InlineData("::ffff:127.0.0.1")] // IPv4-mapped loopback
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("::ffff:169.254.169.254")]
    [InlineData("64:ff9b::a00:1")] // NAT64 of 10.0.0.1
    [InlineData("2002:7f00:1::")] // 6to4 of 127.0.0.1
    [InlineData("::127.0.0.1")] // IPv4-compatible
    public void IsPublic_NonPublicAddress_IsFalse(string address)
    {
        Assert.False(AddressClassifier.IsPublic(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("2a00:1450:4001:80b::200e")]
    public void IsPublic_GlobalUnicast_IsTrue(string address)
    {
        Assert.True(AddressClassifier.IsPublic(IPAddress.Parse(address)));
    }

    [Fact]
    public void IsAddressAllowed_DefaultPolicy_RefusesLoopback()
    {
        var policy = new OutboundPolicy();
        Assert.False(policy.IsAddressAllowed("peer.example.org", 443, IPAddress.Parse("127.0.0.2")));
        Assert.True(policy.IsAddressAllowed("peer.example.org", 443, IPAddress.Parse("8.8.8.8")));
    }

    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2", 8080, "127.0.0.2", true)]
    [InlineData("127.0.0.2", "127.0.0.3", 8080, "127.0.0.3", false)]
    [InlineData("*.test.example", "a.test.example", 443, "10.0.0.5", true)]
    [InlineData("*.test.example", "test.example.evil", 443, "10.0.0.5", false)]
    [InlineData("127.0.0.0/8", "whatever.example", 443, "127.9.9.9", true)]
    [InlineData("127.0.0.0/8", "whatever.example", 443, "10.0.0.1", false)]
    [InlineData("peer.local:8443", "peer.local", 8443, "192.168.0.9", true)]
    [InlineData("peer.local:8443", "peer.local", 9443, "192.168.0.9", false)]
    public void IsAddressAllowed_AllowListEntry_MatchesOnlyWhatItNames(string entry, string host, int port, string address, bool expected)
    {
        var policy = new OutboundPolicy { InsecurePeers = [entry] };
        Assert.Equal(expected, policy.IsAddressAllowed(host, port, IPAddress.Parse(address)));
    }

    [Fact]
    public void IsAddressAllowed_AllowInsecurePeers_AllowsEverything()
    {
        var policy = new OutboundPolicy { AllowInsecurePeers = true };
        Assert.True(policy.IsAddressAllowed("x", 1, IPAddress.Parse("169.254.169.254")));
        Assert.True(policy.IsInsecureAllowed("x", 80));
    }
}
