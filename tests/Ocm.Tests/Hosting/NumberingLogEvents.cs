using System.Reflection;
using Microsoft.Extensions.Logging;
using Ocm.Hosting;
using Ocm.Protocol.Json;

namespace Ocm.Tests.Hosting;

/// <summary>
/// Every <c>[LoggerMessage]</c> in the server and in Ocm.Protocol has its own event id, inside the range of its feature
/// (docs/configuration.md, "Event ids"), so an operator can filter or alert on one event by its number. A copied
/// <c>[LoggerMessage(1, …)]</c> fails here, naming both methods.
/// </summary>
public sealed class NumberingLogEvents
{
    // The ranges of docs/configuration.md: the feature is the namespace below Ocm (Ocm.Protocol is one range).
    private static readonly Dictionary<string, (int First, int Last)> Ranges = new(StringComparer.Ordinal)
    {
        ["Ocm.Protocol"] = (100, 199),
        ["Ocm.Hosting"] = (1000, 1099),
        ["Ocm.Federation"] = (1100, 1199),
        ["Ocm.Delivery"] = (1200, 1299),
        ["Ocm.Shares"] = (1300, 1399),
        ["Ocm.RemoteShares"] = (1400, 1499),
        ["Ocm.Invites"] = (1500, 1599),
        ["Ocm.Contacts"] = (1600, 1699),
        ["Ocm.Notifications"] = (1700, 1799),
        ["Ocm.RequestShares"] = (1800, 1899),
        ["Ocm.Signatures"] = (1900, 1999),
        ["Ocm.Tokens"] = (2000, 2099),
        ["Ocm.Trust"] = (2100, 2199),
        ["Ocm.Users"] = (2200, 2299),
        ["Ocm.Files"] = (2300, 2399),
        ["Ocm.WebDav"] = (2400, 2499),
        ["Ocm.SyncClients"] = (2500, 2599),
        ["Ocm.Ui"] = (2600, 2699),
        ["Ocm.Data"] = (2700, 2799),
        ["Ocm.Identity"] = (2800, 2899),
    };

    private static IReadOnlyList<(MethodInfo Method, LoggerMessageAttribute Attribute)> LogMethods() =>
        new[] { typeof(OcmOptions).Assembly, typeof(OcmJson).Assembly }
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => (Method: m, Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()!))
            .Where(x => x.Attribute is not null)
            .ToList();

    private static string Name(MethodInfo method) => $"{method.DeclaringType!.FullName}.{method.Name}";

    [Fact]
    public void LogMethods_AreFoundInBothAssemblies()
    {
        // Guards the reflection below: finding none would make the other tests pass on nothing.
        var methods = LogMethods();

        Assert.Contains(methods, m => m.Method.DeclaringType!.Assembly == typeof(OcmJson).Assembly);
        Assert.True(methods.Count >= 70, $"only {methods.Count} [LoggerMessage] methods found");
    }

    [Fact]
    public void EventIds_AreUniqueAcrossTheApplication()
    {
        var duplicates = LogMethods()
            .GroupBy(m => m.Attribute.EventId)
            .Where(g => g.Count() > 1)
            .Select(g => $"event id {g.Key}: {string.Join(", ", g.Select(m => Name(m.Method)))}")
            .ToList();

        Assert.Empty(duplicates);
    }

    [Fact]
    public void EventIds_AreSetAndInTheRangeOfTheirFeature()
    {
        var problems = new List<string>();
        foreach (var (method, attribute) in LogMethods())
        {
            var ns = method.DeclaringType!.Namespace ?? "";
            var feature = ns.StartsWith("Ocm.Protocol", StringComparison.Ordinal) ? "Ocm.Protocol" : string.Join('.', ns.Split('.').Take(2));
            if (!Ranges.TryGetValue(feature, out var range))
            {
                problems.Add($"{Name(method)}: feature {feature} has no event id range (add one here and in docs/configuration.md)");
            }
            else if (attribute.EventId < range.First || attribute.EventId > range.Last)
            {
                problems.Add($"{Name(method)}: event id {attribute.EventId} is outside {feature}'s {range.First}–{range.Last}");
            }
        }

        Assert.Empty(problems);
    }

    [Fact]
    public void Ranges_AreDocumented()
    {
        var reference = File.ReadAllText(Path.Combine(Infrastructure.OcmProcess.RepositoryRoot, "docs", "configuration.md"));

        var missing = Ranges
            .Where(r => !reference.Contains($"| `{r.Key}` | {r.Value.First}–{r.Value.Last} |", StringComparison.Ordinal))
            .Select(r => $"{r.Key} {r.Value.First}–{r.Value.Last}")
            .ToList();

        Assert.Empty(missing);
    }
}
