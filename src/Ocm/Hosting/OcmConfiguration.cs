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

    /// <summary>The configuration file in the data directory.</summary>
    public const string OcmJson = "ocm.json";

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

        var appSettings = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        AddJsonFile(configuration, appSettings);

        // The data directory decides where ocm.json lives, so it is resolved from the higher-precedence sources first.
        var dataDir = Pick("Ocm:DataDir", overrides, flags, fromEnvironment)
            ?? Load(appSettings)["Ocm:DataDir"]
            ?? new OcmOptions().DataDir;
        AddJsonFile(configuration, Path.Combine(Path.GetFullPath(dataDir), OcmJson));

        configuration.Add(new MemoryConfigurationSource { InitialData = fromEnvironment });
        configuration.Add(new MemoryConfigurationSource { InitialData = flags.Where(f => f.Value is not null) });
        if (overrides is not null)
        {
            configuration.Add(new MemoryConfigurationSource { InitialData = overrides });
        }
    }

    /// <summary>The configuration files that exist and were read (<c>appsettings.json</c>, <c>ocm.json</c>), in order.</summary>
    public static IReadOnlyList<string> FilesRead(IConfiguration configuration) =>
        configuration is IConfigurationRoot root
            ? root.Providers.OfType<FileConfigurationProvider>()
                .Select(p => p.Source.FileProvider?.GetFileInfo(p.Source.Path ?? ""))
                .Where(f => f is { Exists: true, PhysicalPath: not null })
                .Select(f => f!.PhysicalPath!)
                .ToList()
            : [];

    /// <summary>
    /// A malformed file fails when it is added (a configuration manager loads at once) or when a builder is built; either
    /// way the operator learns which file and where, in one line, instead of a stack trace.
    /// </summary>
    private static void AddJsonFile(IConfigurationBuilder configuration, string path)
    {
        try
        {
            configuration.AddJsonFile(path, optional: true, reloadOnChange: false);
        }
        catch (InvalidDataException ex)
        {
            throw StartupFailures.ConfigurationFile(path, ex);
        }
    }

    private static IConfigurationRoot Load(string path)
    {
        try
        {
            return new ConfigurationBuilder().AddJsonFile(path, optional: true, reloadOnChange: false).Build();
        }
        catch (InvalidDataException ex)
        {
            throw StartupFailures.ConfigurationFile(path, ex);
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
