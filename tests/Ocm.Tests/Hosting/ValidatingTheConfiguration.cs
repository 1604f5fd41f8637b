using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Ocm.Hosting;

namespace Ocm.Tests.Hosting;

/// <summary>
/// <see cref="ConfigurationValidation"/>: every options class is checked at start, the defaults pass, and a
/// configuration with several mistakes in several sections is refused with every mistake named (the real executable's
/// one-line failure is in <see cref="FailingToStart"/>).
/// </summary>
public sealed class ValidatingTheConfiguration
{
    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();

    private static IReadOnlyList<string> Errors(params (string Key, string Value)[] settings)
    {
        try
        {
            ConfigurationValidation.ValidateAll(Configuration(settings));
            return [];
        }
        catch (OptionsValidationException ex)
        {
            return ex.Failures.ToList();
        }
    }

    [Fact]
    public void EveryOptionsClass_IsValidatedAtStart()
    {
        var optionsClasses = typeof(OcmOptions).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsSealed && t.Name.EndsWith("Options", StringComparison.Ordinal)
                && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .ToHashSet();

        Assert.True(optionsClasses.Count >= 14, string.Join(", ", optionsClasses.Select(t => t.Name)));
        Assert.Equal(
            optionsClasses.Select(t => t.Name).Order(StringComparer.Ordinal),
            ConfigurationValidation.Sections.Select(s => s.OptionsType.Name).Order(StringComparer.Ordinal));
        Assert.All(ConfigurationValidation.Sections, s =>
            Assert.Equal(s.Section, s.OptionsType.GetField("Section")!.GetValue(null)));
    }

    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(Errors());
    }

    [Fact]
    public void SeveralMistakesInSeveralSections_AreAllNamedAtOnce()
    {
        var errors = Errors(
            ("Ocm:Delivery:InitialRetrySeconds", "10"),
            ("Ocm:Delivery:MaxRetrySeconds", "5"),
            ("Ocm:Delivery:ProbeSeconds", "NaN"),
            ("Ocm:Federation:MaxResponseBytes", "100"),
            ("Ocm:Federation:InsecurePeers:0", "*"),
            ("Ocm:Files:Root", " "),
            ("Ocm:Trust:AutoAcceptFrom:0", "bob@partner.example"),
            ("Ocm:Shares:RemoteTimeoutSeconds", "many"));

        Assert.Equal(
            [
                "Ocm:Files:Root is empty; name a directory, or leave it unset for {DataDir}/files.",
                "Ocm:Federation:InsecurePeers:0 '*' matches no peer; set Ocm:Federation:AllowInsecurePeers=true to allow every peer.",
                "Ocm:Federation:MaxResponseBytes must be at least 1024.",
                "Ocm:Delivery:MaxRetrySeconds must be at least Ocm:Delivery:InitialRetrySeconds.",
                "Ocm:Delivery:ProbeSeconds must be more than 0.",
                "Ocm:Trust:AutoAcceptFrom:0 'bob@partner.example' is not a host name; give the host alone (cloud.example.org, *.example.org, optionally with :port).",
            ],
            errors.Where(e => !e.Contains("'many'", StringComparison.Ordinal)));
        Assert.Contains(errors, e => e.Contains("'many' at 'Ocm:Shares:RemoteTimeoutSeconds'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("*")]
    [InlineData("partner.example")]
    [InlineData("*.partner.example")]
    [InlineData("partner.example:8443")]
    [InlineData("*.partner.example:443")]
    [InlineData("127.0.4.41")]
    [InlineData("[2001:db8::7]:8443")]
    [InlineData("2001:db8::7")]
    [InlineData(" Partner.Example ")]
    public void TrustPatterns_ThatMatchHosts_AreAccepted(string pattern)
    {
        Assert.Empty(Errors(("Ocm:Trust:Allowlist:0", pattern), ("Ocm:Trust:Denylist:0", pattern), ("Ocm:Trust:AutoAcceptFrom:0", pattern)));
    }

    [Theory]
    [InlineData("https://partner.example", "is not a host name; give the host alone")]
    [InlineData("partner.example/ocm", "is not a host name; give the host alone")]
    [InlineData("partner*.example", "may use '*' only as its whole first label")]
    [InlineData("*partner.example", "may use '*' only as its whole first label")]
    [InlineData("partner.example:0", "has the port '0', which is not a number from 1 to 65535")]
    [InlineData("partner.example:https", "has the port 'https', which is not a number from 1 to 65535")]
    [InlineData("*.127.0.0.1", "is not a host name or IP address")]
    [InlineData("part ner.example", "is not a host name or IP address")]
    [InlineData("  ", "is empty")]
    public void TrustPatterns_ThatCanNeverMatch_AreNamedWithTheReason(string pattern, string reason)
    {
        var errors = Errors(("Ocm:Trust:Denylist:0", pattern));

        var error = Assert.Single(errors);
        Assert.StartsWith($"Ocm:Trust:Denylist:0 '{pattern.Trim()}' {reason}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ocm:Proxy:TrustedNetworks:0", "10.0.0.5")]
    [InlineData("Ocm:Proxy:TrustedNetworks:0", "10.0.0.0/8")]
    [InlineData("Ocm:Proxy:TrustedNetworks:0", "fd00::/8")]
    [InlineData("Ocm:Proxy:TrustedNetworks", "127.0.0.1, 10.0.0.0/8 ::1")] // one value, as OCM_PROXY__TRUSTEDNETWORKS
    public void TrustedProxies_AddressesAndNetworks_AreAccepted(string key, string value)
    {
        Assert.Empty(Errors((key, value)));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "is not a CIDR network")]
    [InlineData("proxy.example", "is not an IP address")]
    public void TrustedProxies_ThatAreNotAddresses_AreNamedAtStart(string entry, string reason)
    {
        var error = Assert.Single(Errors(("Ocm:Proxy:TrustedNetworks", "127.0.0.1," + entry)));
        Assert.StartsWith($"Ocm:Proxy:TrustedNetworks: '{entry}' {reason}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/8")]
    [InlineData("fd00::/8")]
    [InlineData("peer.lab.example")]
    [InlineData("*.lab.example:8443")]
    [InlineData("127.0.0.2")]
    public void InsecurePeers_HostsAndNetworks_AreAccepted(string entry)
    {
        Assert.Empty(Errors(("Ocm:Federation:InsecurePeers:0", entry)));
    }

    [Theory]
    [InlineData("10.0.0.0/33", "is not a network")]
    [InlineData("http://peer.lab.example", "is not a host name; give the host alone")]
    [InlineData("peer*.lab", "may use '*' only as its whole first label")]
    public void InsecurePeers_ThatCanNeverMatch_AreNamed(string entry, string reason)
    {
        var error = Assert.Single(Errors(("Ocm:Federation:InsecurePeers:0", entry)));

        Assert.StartsWith($"Ocm:Federation:InsecurePeers:0 '{entry}' {reason}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Ocm:Delivery:DeadlineSeconds", "0", "Ocm:Delivery:DeadlineSeconds must be at least 1.")]
    [InlineData("Ocm:Delivery:InitialRetrySeconds", "0", "Ocm:Delivery:InitialRetrySeconds must be more than 0.")]
    [InlineData("Ocm:Delivery:RequestTimeoutSeconds", "0", "Ocm:Delivery:RequestTimeoutSeconds must be at least 1.")]
    [InlineData("Ocm:Delivery:PollSeconds", "-1", "Ocm:Delivery:PollSeconds must be more than 0.")]
    [InlineData("Ocm:Delivery:CircuitBreakerThreshold", "0", "Ocm:Delivery:CircuitBreakerThreshold must be at least 1.")]
    [InlineData("Ocm:Delivery:CircuitBreakSeconds", "Infinity", "Ocm:Delivery:CircuitBreakSeconds must be more than 0.")]
    [InlineData("Ocm:Delivery:DiscoveryAllowanceSeconds", "-1", "Ocm:Delivery:DiscoveryAllowanceSeconds must be 0 or more.")]
    [InlineData("Ocm:Delivery:MaxParallelPeers", "0", "Ocm:Delivery:MaxParallelPeers must be at least 1.")]
    [InlineData("Ocm:Delivery:ProbeTimeoutSeconds", "0", "Ocm:Delivery:ProbeTimeoutSeconds must be more than 0.")]
    [InlineData("Ocm:Federation:DiscoveryTimeoutSeconds", "0", "Ocm:Federation:DiscoveryTimeoutSeconds must be at least 1.")]
    [InlineData("Ocm:Federation:DiscoveryCacheSeconds", "-1", "Ocm:Federation:DiscoveryCacheSeconds must be 0 or more.")]
    [InlineData("Ocm:Federation:DiscoveryNegativeCacheSeconds", "-1", "Ocm:Federation:DiscoveryNegativeCacheSeconds must be 0 or more.")]
    [InlineData("Ocm:Files:Root", "data\0files", "Ocm:Files:Root contains a NUL character, which no path can hold.")]
    public void OutOfRange_IsNamedWithTheRange(string key, string value, string error)
    {
        Assert.Equal([error], Errors((key, value)));
    }
}
