using System.Collections;
using Microsoft.Extensions.Configuration;
using Ocm.Hosting;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>appsettings.json &lt; ocm.json in the data directory &lt; OCM_… environment &lt; command-line flags.</summary>
public sealed class ConfigurationLayeringTests : IDisposable
{
    private readonly string _dataDir = TempDirectory.Create("ocm-config");

    public void Dispose() => TempDirectory.Delete(_dataDir);

    private static IConfigurationRoot Build(IDictionary environment, Dictionary<string, string?> flags)
    {
        var builder = new ConfigurationManager();
        OcmConfiguration.Apply(builder, flags, environment: environment);
        return builder;
    }

    [Fact]
    public void Apply_OcmJsonInDataDir_OverridesDefaults()
    {
        File.WriteAllText(Path.Combine(_dataDir, "ocm.json"), """{ "Ocm": { "ProviderName": "FromFile", "PublicUrl": "https://file.example" } }""");

        var config = Build(new Hashtable(), new() { ["Ocm:DataDir"] = _dataDir });

        Assert.Equal("FromFile", config["Ocm:ProviderName"]);
    }

    [Fact]
    public void Apply_EnvironmentVariable_OverridesOcmJson()
    {
        File.WriteAllText(Path.Combine(_dataDir, "ocm.json"), """{ "Ocm": { "ProviderName": "FromFile", "Federation": { "AllowInsecurePeers": false } } }""");
        var environment = new Hashtable
        {
            ["OCM_PROVIDERNAME"] = "FromEnv",
            ["OCM_FEDERATION__ALLOWINSECUREPEERS"] = "true",
            ["UNRELATED"] = "x",
        };

        var config = Build(environment, new() { ["Ocm:DataDir"] = _dataDir });

        Assert.Equal("FromEnv", config["Ocm:ProviderName"]);
        Assert.Equal("true", config["Ocm:Federation:AllowInsecurePeers"]);
        Assert.Null(config["UNRELATED"]);
    }

    [Fact]
    public void Apply_Flag_OverridesEnvironment()
    {
        var environment = new Hashtable { ["OCM_PUBLICURL"] = "https://env.example" };

        var config = Build(environment, new() { ["Ocm:DataDir"] = _dataDir, ["Ocm:PublicUrl"] = "https://flag.example" });

        Assert.Equal("https://flag.example", config["Ocm:PublicUrl"]);
    }

    [Fact]
    public void Apply_DataDirFromEnvironment_ReadsOcmJsonThere()
    {
        File.WriteAllText(Path.Combine(_dataDir, "ocm.json"), """{ "Ocm": { "ProviderName": "EnvDataDir" } }""");
        var environment = new Hashtable { ["OCM_DATADIR"] = _dataDir };

        var config = Build(environment, []);

        Assert.Equal("EnvDataDir", config["Ocm:ProviderName"]);
    }
}
