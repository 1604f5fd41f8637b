using System.Reflection;
using System.Text.RegularExpressions;
using Ocm.Federation;
using Ocm.Hosting;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Federation;

/// <summary>
/// Every call to another server goes through <see cref="PeerClient"/>, which owns the guarded handler chain (SSRF checks,
/// redirects re-checked), the time limit per call, the circuit breaker and the capped read of the answer. Code elsewhere
/// that took an <see cref="HttpClient"/>, made one, or read a whole answer itself would bypass all of that: it fails here,
/// named. The one exception is the command line's client for this server's own API (<c>Hosting/ServerConnection.cs</c>),
/// which talks to no peer.
/// </summary>
public sealed partial class ReachingOtherServersThroughOnePath
{
    private static readonly Type[] HttpTypes = [typeof(HttpClient), typeof(IHttpClientFactory), typeof(HttpMessageHandler), typeof(HttpMessageInvoker)];

    /// <summary>The command line's client for this server's own API: not a peer.</summary>
    private static readonly string[] OwnApiFiles = [Path.Combine("Hosting", "ServerConnection.cs")];

    private static string SourceRoot => Path.Combine(OcmProcess.RepositoryRoot, "src", "Ocm");

    [Fact]
    public void OnlyTheFederationFeature_HoldsAnHttpClient()
    {
        var offenders = new List<string>();
        var holders = new List<Type>();
        foreach (var type in typeof(OcmOptions).Assembly.GetTypes())
        {
            var members = type.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
                .SelectMany(c => c.GetParameters().Select(p => (p.ParameterType, What: $"constructor parameter '{p.Name}'")))
                .Concat(type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                    .Select(f => (f.FieldType, What: $"field '{f.Name}'")))
                .Where(m => HttpTypes.Any(h => h.IsAssignableFrom(m.Item1)))
                .ToList();
            if (members.Count == 0)
            {
                continue;
            }

            holders.Add(type);
            if (!IsFederation(type) && !IsOwnApiClient(type))
            {
                offenders.AddRange(members.Select(m => $"{type.FullName}: {m.What} of type {m.Item1.Name}"));
            }
        }

        // Guards the reflection: if it found nothing, it would prove nothing.
        Assert.Contains(typeof(PeerClient), holders);
        Assert.True(offenders.Count == 0, "Talks to other servers without PeerClient:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void NoCodeOutsideTheFederationFeature_MakesAClientOrReadsAWholeAnswer()
    {
        var offenders = new List<string>();
        var scanned = 0;
        foreach (var file in SourceFiles())
        {
            var relative = Path.GetRelativePath(SourceRoot, file);
            if (relative.StartsWith("Federation" + Path.DirectorySeparatorChar, StringComparison.Ordinal) || OwnApiFiles.Contains(relative))
            {
                continue;
            }

            scanned++;
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (Forbidden().Match(lines[i]) is { Success: true } match)
                {
                    offenders.Add($"src/Ocm/{relative.Replace('\\', '/')}:{i + 1}: {match.Value}");
                }
            }
        }

        Assert.True(scanned > 100, $"only {scanned} source files scanned under {SourceRoot}");
        Assert.True(offenders.Count == 0, "Bypasses PeerClient (its guard, timeout, circuit breaker or capped read):\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TheHandlerChain_IsRegisteredOnce_AndOnlyThePeerClientMakesAClient()
    {
        var registrations = new List<string>();
        var clientsMade = new List<string>();
        foreach (var file in SourceFiles())
        {
            var relative = Path.GetRelativePath(SourceRoot, file).Replace('\\', '/');
            var text = File.ReadAllText(file);
            registrations.AddRange(Enumerable.Repeat(relative, Occurrences(text, ".AddHttpClient(")));
            if (!OwnApiFiles.Contains(relative.Replace('/', Path.DirectorySeparatorChar)))
            {
                clientsMade.AddRange(Enumerable.Repeat(relative, Occurrences(text, "new HttpClient(")));
            }
        }

        Assert.Equal(["Federation/FederationServiceCollectionExtensions.cs"], registrations);
        Assert.All(clientsMade, file => Assert.Equal("Federation/PeerClient.cs", file));
    }

    private static IEnumerable<string> SourceFiles() =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static bool IsFederation(Type type) => type.Namespace == typeof(PeerClient).Namespace;

    private static bool IsOwnApiClient(Type type) =>
        (type.DeclaringType ?? type).Namespace == typeof(OcmOptions).Namespace && (type.DeclaringType ?? type).Name is "ApiClient" or "ServerConnection";

    /// <summary>Making or holding a client, or reading an answer whole with no cap.</summary>
    [GeneratedRegex(@"new HttpClient\b|IHttpClientFactory|CreateClient\(|AddHttpClient\(|HttpMessageInvoker|\.ReadAsByteArrayAsync\(|\.ReadAsStringAsync\(|\.ReadFromJsonAsync|\.GetFromJsonAsync|\.GetStringAsync\(|\.GetByteArrayAsync\(")]
    private static partial Regex Forbidden();
}
