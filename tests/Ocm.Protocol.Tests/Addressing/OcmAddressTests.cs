using Ocm.Protocol.Addressing;

namespace Ocm.Protocol.Tests.Addressing;

// OCM §Terms, "OCM Address": no path, split on the last '@', an opaque case-sensitive identifier; and the
// leniency peers need (schemes and trailing slashes as Nextcloud and OpenCloud send them).
public sealed class OcmAddressTests
{
    public static TheoryData<string, string, string, int?, string> ValidAddresses => new()
    {
        // input, identifier, host, port, ToString()
        { "alice@cloud.example.org", "alice", "cloud.example.org", null, "alice@cloud.example.org" },
        { "nomen.nescio@example.org@cloud.example.org", "nomen.nescio@example.org", "cloud.example.org", null, "nomen.nescio@example.org@cloud.example.org" },
        { "a@b@c@cloud.example.org", "a@b@c", "cloud.example.org", null, "a@b@c@cloud.example.org" },
        { "bob@cloud.example.org:8443", "bob", "cloud.example.org", 8443, "bob@cloud.example.org:8443" },
        { "carol@[2001:db8::7]:8443", "carol", "2001:db8::7", 8443, "carol@[2001:db8::7]:8443" },
        { "carol@[2001:db8::7]", "carol", "2001:db8::7", null, "carol@[2001:db8::7]" },
        { "carol@[2001:DB8:0:0::7]", "carol", "2001:db8::7", null, "carol@[2001:db8::7]" },
        { "dave@192.0.2.10", "dave", "192.0.2.10", null, "dave@192.0.2.10" },
        { "dave@192.0.2.10:9200", "dave", "192.0.2.10", 9200, "dave@192.0.2.10:9200" },
        { "erin@localhost", "erin", "localhost", null, "erin@localhost" },
        { "erin@localhost:1", "erin", "localhost", 1, "erin@localhost:1" },
        { "erin@localhost:65535", "erin", "localhost", 65535, "erin@localhost:65535" },
        { "Frank@Cloud.Example.ORG", "Frank", "cloud.example.org", null, "Frank@cloud.example.org" },
        { "bob@https://receiver.example.org", "bob", "receiver.example.org", null, "bob@receiver.example.org" },
        { "bob@http://receiver.example.org:8080", "bob", "receiver.example.org", 8080, "bob@receiver.example.org:8080" },
        { "bob@HTTPS://receiver.example.org", "bob", "receiver.example.org", null, "bob@receiver.example.org" },
        { "alice@https://host.example/", "alice", "host.example", null, "alice@host.example" },
        { "alice@host.example//", "alice", "host.example", null, "alice@host.example" },
        { "  alice@host.example \n", "alice", "host.example", null, "alice@host.example" },
        { "uuid-1@https://host.example:9200@host.example:9200", "uuid-1", "host.example", 9200, "uuid-1@host.example:9200" },
        { "uuid-2@https://host.example@host.example", "uuid-2", "host.example", null, "uuid-2@host.example" },
        { "uuid-3@host.example@host.example", "uuid-3", "host.example", null, "uuid-3@host.example" },
        { "jörg@bücher.example", "jörg", "bücher.example", null, "jörg@bücher.example" },
        { "user@host.example.", "user", "host.example", null, "user@host.example" },
        { "ZWluc3RlaW4=@ocis.example", "ZWluc3RlaW4=", "ocis.example", null, "ZWluc3RlaW4=@ocis.example" },
        { "bob smith@host.example", "bob smith", "host.example", null, "bob smith@host.example" },
        { "a+b_c-d.e@sub-1.host_x.example", "a+b_c-d.e", "sub-1.host_x.example", null, "a+b_c-d.e@sub-1.host_x.example" },

        // Default ports: https (what an address without a scheme means) on 443, http on 80 (RFC 9110 §4.2).
        { "bob@host.example:443", "bob", "host.example", null, "bob@host.example" },
        { " Bob@HTTPS://Host.Example:443/ ", "Bob", "host.example", null, "Bob@host.example" },
        { "bob@http://host.example:80", "bob", "host.example", null, "bob@host.example" },
        { "bob@host.example:80", "bob", "host.example", 80, "bob@host.example:80" },
        { "bob@https://host.example:80", "bob", "host.example", 80, "bob@host.example:80" },
        { "carol@[2001:db8::7]:443", "carol", "2001:db8::7", null, "carol@[2001:db8::7]" },
    };

    [Theory]
    [MemberData(nameof(ValidAddresses))]
    public void Parse_ValidOrLenientInput_SplitsIdentifierHostPort(string input, string identifier, string host, int? port, string formatted)
    {
        var address = OcmAddress.Parse(input);

        Assert.Equal(identifier, address.Identifier);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(formatted, address.ToString());
        Assert.DoesNotContain("://", address.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string?, string> InvalidAddresses => new()
    {
        { null, "empty" },
        { "", "empty" },
        { "   ", "empty" },
        { "alice", "no '@'" },
        { "alice.example.org", "no '@'" },
        { "@cloud.example.org", "identifier before '@' is empty" },
        { "alice@", "host is empty" },
        { "alice@https://", "host is empty" },
        { "alice@cloud.example.org:", "port" },
        { "alice@cloud.example.org:0", "port" },
        { "alice@cloud.example.org:65536", "port" },
        { "alice@cloud.example.org:-1", "port" },
        { "alice@cloud.example.org:80a", "port" },
        { "alice@cloud.example.org:+443", "port" },
        { "alice@cloud example.org", "whitespace" },
        { "alice@cloud.example.org/path", "path" },
        { "alice@https://cloud.example.org/remote.php/dav", "path" },
        { "alice@cloud.example.org?x=1", "path, query" },
        { "alice@cloud.example.org#frag", "path, query" },
        { "carol@2001:db8::7", "brackets" },
        { "carol@2001:db8::7:8443", "brackets" },
        { "carol@[2001:db8::7", "closing" },
        { "carol@[2001:db8::zz]:8443", "not a valid IPv6" },
        { "carol@[192.0.2.1]", "not a valid IPv6" },
        { "carol@[2001:db8::7]8443", "unexpected text" },
        { "bad@-host.example", "not a valid host" },
        { "bad@host-.example", "not a valid host" },
        { "bad@host..example", "not a valid host" },
        { "bad@ho$t.example", "not a valid host" },
        { "ctl\u0001@host.example", "control" },
        { "bad@" + new string('a', 64) + ".example", "not a valid host" },
        { "bob@@host.example", "two '@' in a row" },
        { "bob@@", "two '@' in a row" },
        { "a@@b@host.example", "two '@' in a row" },
        { "@bob@host.example", "must not begin with '@'" },
        { "bob @host.example", "space next to the '@'" },
        { "bob@ host.example", "space next to the '@'" },
    };

    [Theory]
    [MemberData(nameof(InvalidAddresses))]
    public void TryParse_InvalidInput_FailsWithReason(string? input, string reasonFragment)
    {
        Assert.False(OcmAddress.TryParse(input, out var address, out var error));
        Assert.Null(address);
        Assert.Contains(reasonFragment, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatExceptionNamingTheProblem()
    {
        var ex = Assert.Throws<FormatException>(() => OcmAddress.Parse("alice@cloud.example.org/x"));
        Assert.Contains("path", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Equals_HostDiffersOnlyInCase_AreEqual()
    {
        var a = OcmAddress.Parse("alice@Cloud.Example.org");
        var b = OcmAddress.Parse("alice@cloud.example.ORG");

        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
    }

    [Fact]
    public void Equals_IdentifierDiffersOnlyInCase_AreNotEqual()
    {
        // The identifier is opaque and case-sensitive.
        Assert.NotEqual(OcmAddress.Parse("Alice@cloud.example.org"), OcmAddress.Parse("alice@cloud.example.org"));
    }

    [Fact]
    public void Equals_IdnUnicodeAndPunycode_AreEqual()
    {
        var unicode = OcmAddress.Parse("jörg@bücher.example");
        var punycode = OcmAddress.Parse("jörg@xn--bcher-kva.example");

        Assert.Equal(unicode, punycode);
        Assert.Equal("xn--bcher-kva.example", unicode.AsciiHost);
        Assert.Equal("xn--bcher-kva.example", unicode.Authority);
    }

    [Fact]
    public void Equals_DifferentPort_AreNotEqual()
    {
        Assert.NotEqual(OcmAddress.Parse("bob@host.example"), OcmAddress.Parse("bob@host.example:8443"));
    }

    [Theory]
    [InlineData("bob@host.example:443")]
    [InlineData("bob@https://host.example:443/")]
    [InlineData("bob@http://HOST.example:80/")]
    [InlineData("  bob@Host.Example.  ")]
    public void Equals_SpelledWithDefaultPortSchemeCaseOrSpaces_IsTheSameAddress(string input)
    {
        var address = OcmAddress.Parse(input);

        Assert.Equal(OcmAddress.Parse("bob@host.example"), address);
        Assert.Equal("bob@host.example", address.ToString());
        Assert.Equal("host.example", address.Authority);
    }

    [Fact]
    public void Equals_SchemeOnOneSide_AreEqual()
    {
        Assert.Equal(OcmAddress.Parse("bob@https://host.example/"), OcmAddress.Parse("bob@host.example"));
    }

    [Theory]
    [InlineData("bob@host.example", "host.example")]
    [InlineData("bob@Host.Example:8443", "host.example:8443")]
    [InlineData("carol@[2001:db8::7]:8443", "[2001:db8::7]:8443")]
    [InlineData("jörg@bücher.example:9000", "xn--bcher-kva.example:9000")]
    public void Authority_Always_IsAsciiHostWithPortForDiscovery(string input, string authority)
    {
        Assert.Equal(authority, OcmAddress.Parse(input).Authority);
    }

    [Theory]
    [InlineData("bob@host.example", "https://HOST.example/", true)]
    [InlineData("bob@host.example:8443", "host.example:8443", true)]
    [InlineData("bob@host.example:8443", "host.example", false)]
    [InlineData("bob@host.example", "other.example", false)]
    public void IsAt_Authority_ComparesHostAndPort(string address, string authority, bool expected)
    {
        Assert.Equal(expected, OcmAddress.Parse(address).IsAt(authority));
    }

    [Fact]
    public void Create_IdentifierAndUrlAuthority_BuildsStrictAddress()
    {
        var address = OcmAddress.Create("alice@mail.example", "https://Files.Example.net:8443/");

        Assert.Equal("alice@mail.example@files.example.net:8443", address.ToString());
        Assert.Equal("alice@mail.example", OcmAddress.Parse(address.ToString()).Identifier);
    }

    [Theory]
    [InlineData("https://Recv.Example.com/", "recv.example.com")]
    [InlineData("recv.example.com:8443", "recv.example.com:8443")]
    [InlineData(" http://recv.example.com:80 ", "recv.example.com")]
    [InlineData("recv.example.com:443", "recv.example.com")]
    [InlineData("http://recv.example.com:8080", "recv.example.com:8080")]
    public void TryNormalizeAuthority_UrlOrFqdn_StripsSchemeKeepsPort(string input, string expected)
    {
        Assert.True(OcmAddress.TryNormalizeAuthority(input, out var authority, out _));
        Assert.Equal(expected, authority);
    }

    [Fact]
    public void ToString_Roundtrip_ParsesToEqualAddress()
    {
        foreach (var row in ValidAddresses)
        {
            var address = OcmAddress.Parse((string)row[0]);
            Assert.Equal(address, OcmAddress.Parse(address.ToString()));
        }
    }
}
