using System.Collections;
using Microsoft.Extensions.Configuration.Memory;

namespace Ocm.Hosting;

/// <summary>
/// Builds the one <see cref="IConfiguration"/> of the process, in this order (later wins):
/// <c>appsettings.json</c> beside the executable, <c>ocm.json</c> in the data directory, environment variables
/// <c>OCM_SECTION__KEY</c> (mapped to <c>Ocm:Section:Key</c>), command-line flags, then overrides from tests.
/// </summary>
internal static class OcmConfiguration
{
    public const string EnvironmentPrefix = "OCM_";

    public static void Apply(
        IConfigurationBuilder configuration,
        IReadOnlyDictionary<string, string?> flags,
        IReadOnlyDictionary<string, string?>? overrides = null,
        IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var fromEnvironment = ReadEnvironment(environment);

        if (configuration is IConfigurationManager manager)
        {
            manager.Sources.Clear();
        }

        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);

        // The data directory decides where ocm.json lives, so it is resolved from the higher-precedence sources first.
        var dataDir = Pick("Ocm:DataDir", overrides, flags, fromEnvironment)
            ?? new ConfigurationBuilder()
                .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
                .Build()["Ocm:DataDir"]
            ?? new OcmOptions().DataDir;
        var ocmJson = Path.Combine(Path.GetFullPath(dataDir), "ocm.json");
        configuration.AddJsonFile(ocmJson, optional: true, reloadOnChange: false);

        configuration.Add(new MemoryConfigurationSource { InitialData = fromEnvironment });
        configuration.Add(new MemoryConfigurationSource { InitialData = flags.Where(f => f.Value is not null) });
        if (overrides is not null)
        {
            configuration.Add(new MemoryConfigurationSource { InitialData = overrides });
        }
    }

    /// <summary>Maps <c>OCM_FEDERATION__ALLOWINSECUREPEERS=true</c> to <c>Ocm:FEDERATION:ALLOWINSECUREPEERS</c> (keys are case-insensitive).</summary>
    internal static Dictionary<string, string?> ReadEnvironment(IDictionary environment)
    {
        var result = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)
                && key.Length > EnvironmentPrefix.Length)
            {
                var path = key[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                result["Ocm:" + path] = entry.Value?.ToString();
            }
        }

        return result;
    }

    private static string? Pick(string key, params IReadOnlyDictionary<string, string?>?[] sources)
    {
        foreach (var source in sources)
        {
            if (source is not null && source.TryGetValue(key, out var value) && !string.IsNullOrWhiteSpace(value))
            {
                return value;
            }
        }

        return null;
    }
}
