using System.Reflection;
using System.Text.RegularExpressions;
using Ocm.Data;
using Ocm.Protocol.Json;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// docs/architecture.md names types and methods so a newcomer can follow a share through the code; a renamed or removed
/// one would send them looking for something that is not there. Every backticked <c>Type</c> or <c>Type.Member</c> on
/// the page must exist in the server, the protocol library, these tests or the .NET types the page mentions.
/// </summary>
public sealed partial class DocumentingTheArchitecture
{
    private static readonly Assembly[] Assemblies =
        [typeof(OcmDb).Assembly, typeof(OcmJson).Assembly, typeof(DocumentingTheArchitecture).Assembly, typeof(HttpClient).Assembly, typeof(TimeProvider).Assembly];

    private static IEnumerable<string> CodeNames()
    {
        var text = File.ReadAllText(Path.Combine(OcmProcess.RepositoryRoot, "docs", "architecture.md"));
        return CodeSpan().Matches(text).Select(m => m.Groups[1].Value).Where(n => CodeName().IsMatch(n)).Distinct();
    }

    [Fact]
    public void Page_NamesTheTypesOfTheSharePath()
    {
        // Guards the check below: a page whose names the pattern no longer finds would pass on nothing.
        var names = CodeNames().ToList();
        Assert.Contains("OutgoingShares.CreateAsync", names);
        Assert.Contains("ReceivedShares.AcceptAsync", names);
        Assert.Contains("PeerClient", names);
        Assert.True(names.Count(n => n.Contains('.', StringComparison.Ordinal)) >= 20, string.Join(", ", names));
    }

    [Fact]
    public void EveryTypeAndMemberNamed_Exists()
    {
        var types = Assemblies.SelectMany(a => a.GetTypes()).ToLookup(t => t.Name.Split('`')[0], StringComparer.Ordinal);
        var namespaces = Assemblies.SelectMany(a => a.GetTypes()).Select(t => t.Namespace ?? "")
            .SelectMany(n => n.Split('.')).ToHashSet(StringComparer.Ordinal);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;

        var missing = new List<string>();
        foreach (var name in CodeNames())
        {
            var parts = name.Split('.');
            var found = parts.Length == 1
                ? types.Contains(parts[0]) || namespaces.Contains(parts[0])
                : types[parts[0]].Any(t => t.GetMember(parts[1], all).Length > 0);
            if (!found)
            {
                missing.Add(name);
            }
        }

        Assert.True(missing.Count == 0, "docs/architecture.md names what does not exist: " + string.Join(", ", missing));
    }

    [GeneratedRegex("`([^`\n]+)`")]
    private static partial Regex CodeSpan();

    /// <summary>A type (<c>OutboxWorker</c>) or a type's member (<c>Outbox.EnqueueComposedAtDelivery</c>); not HTTP methods, keys or paths.</summary>
    [GeneratedRegex("^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*(\\.[A-Z][A-Za-z0-9]*)?$")]
    private static partial Regex CodeName();
}
