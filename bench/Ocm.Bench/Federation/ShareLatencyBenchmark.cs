using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Ocm.Bench.Federation;

/// <summary>
/// Time from <c>POST /api/v1/shares</c> on server A until the share is in the recipient's pending list on server B
/// (<c>GET /api/v1/received-shares?state=pending</c>): two real <c>ocm serve</c> processes on loopback addresses,
/// alice on A and bob on B made with <c>ocm user add</c>, files uploaded over WebDAV. The path measured is the whole
/// delivery: A's API handler (discovery of B, cached after the first share; share and outbox row committed
/// together), the outbox worker woken, the RFC 9421-signed <c>POST /ocm/shares</c> to B, B's signature check
/// (discovery of A and its JWK Set, cached after the first share), trust policy and insert, and bob's next poll.
/// <list type="bullet">
/// <item>sequential: one share at a time; the next is created when the previous is visible;</item>
/// <item>burst: many shares created at once (8 API calls in flight), each timed from its own POST.</item>
/// </list>
/// The poll interval bounds the resolution; B's own <c>created</c> timestamp of each received share (same clock:
/// one machine) gives the time until B accepted the delivery, without the poll.
/// </summary>
internal static class ShareLatencyBenchmark
{
    private const string Password = "bench-password-1";
    private static readonly string[] ReadOnly = ["read"];

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var work = Directory.CreateTempSubdirectory("ocm-bench-latency-").FullName;
        BenchReport.Line($"Share latency: {BenchReport.Machine()}");
        BenchReport.Line($"A = {options.Address(0)}, B = {options.Address(1)}, {options.Shares} sequential shares after one cold share, then a burst of {options.Shares}; poll every {options.PollMilliseconds} ms; work dir {work}");
        try
        {
            await using var a = await OcmServeProcess.StartAsync(options.Address(0), work, "a", [("alice", Password)]);
            await using var b = await OcmServeProcess.StartAsync(options.Address(1), work, "b", [("bob", Password)]);
            using var alice = a.ClientFor("alice", Password);
            using var bob = b.ClientFor("bob", Password, maxConnections: 1);
            var shareWith = $"bob@{b.Authority}";

            var names = Enumerable.Range(0, options.Shares + 1).Select(i => $"latency-{i:D4}.txt")
                .Concat(Enumerable.Range(0, options.Shares).Select(i => $"burst-{i:D4}.txt")).ToList();
            foreach (var name in names)
            {
                using var put = await alice.PutAsync(new Uri($"dav/files/alice/{name}", UriKind.Relative), new ByteArrayContent("shared for the benchmark\n"u8.ToArray()));
                put.EnsureSuccessStatusCode();
            }

            var poll = TimeSpan.FromMilliseconds(options.PollMilliseconds);

            // Sequential: the first share pays for discovery and key fetches on both sides; reported apart.
            var cpuA = a.CpuTime;
            var cpuB = b.CpuTime;
            var load = BenchReport.LoadAverage();
            var post = new List<double>();
            var visible = new List<double>();
            var ingested = new List<double>();
            var wall = Stopwatch.StartNew();
            for (var i = 0; i <= options.Shares; i++)
            {
                var name = names[i];
                var sentAt = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                await CreateShareAsync(alice, name, shareWith);
                var postMs = clock.Elapsed.TotalMilliseconds;
                var seen = await WaitVisibleAsync(bob, [name], poll, TimeSpan.FromSeconds(options.TimeoutSeconds));
                var visibleMs = clock.Elapsed.TotalMilliseconds;
                var ingestedMs = (seen[name] - sentAt).TotalMilliseconds;
                if (i == 0)
                {
                    BenchReport.Line($"cold first share: POST {postMs:F1} ms, visible on B after {visibleMs:F1} ms (B stored it {ingestedMs:F1} ms after the POST began)");
                    (cpuA, cpuB) = (a.CpuTime, b.CpuTime);
                    wall.Restart();
                    continue;
                }

                post.Add(postMs);
                visible.Add(visibleMs);
                ingested.Add(ingestedMs);
            }

            wall.Stop();
            var cpuPerShareA = (a.CpuTime - cpuA).TotalMilliseconds / options.Shares;
            var cpuPerShareB = (b.CpuTime - cpuB).TotalMilliseconds / options.Shares;
            BenchReport.Line($"sequential, warm (load average {load} before, {BenchReport.LoadAverage()} after; {wall.Elapsed.TotalSeconds:F1} s):");
            BenchReport.Line($"  POST /api/v1/shares on A answered: {BenchReport.Summary(post)}");
            BenchReport.Line($"  pending share visible to bob on B: {BenchReport.Summary(visible)}");
            BenchReport.Line($"  stored by B (its created time):    {BenchReport.Summary(ingested)}");
            BenchReport.Line($"  server CPU per share: A {cpuPerShareA:F1} ms, B {cpuPerShareB:F1} ms (B's includes bob's polls; both include their logging and background work)");

            // Burst: all shares created at once, 8 API calls in flight.
            load = BenchReport.LoadAverage();
            var burst = names.Skip(options.Shares + 1).ToList();
            var started = new Dictionary<string, DateTimeOffset>();
            var watcher = Task.Run(() => WaitVisibleAsync(bob, burst, poll, TimeSpan.FromSeconds(options.TimeoutSeconds)));
            var first = DateTimeOffset.UtcNow;
            var burstPost = new List<double>();
            await Parallel.ForEachAsync(burst, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (name, _) =>
            {
                var sentAt = DateTimeOffset.UtcNow;
                var clock = Stopwatch.StartNew();
                await CreateShareAsync(alice, name, shareWith);
                lock (started)
                {
                    started[name] = sentAt;
                    burstPost.Add(clock.Elapsed.TotalMilliseconds);
                }
            });
            var posted = DateTimeOffset.UtcNow;
            var seenBurst = await watcher;
            var burstIngested = burst.Select(n => (seenBurst[n] - started[n]).TotalMilliseconds).ToList();
            BenchReport.Line($"burst of {burst.Count} (load average {load} before, {BenchReport.LoadAverage()} after):");
            BenchReport.Line($"  all POSTs answered after {(posted - first).TotalMilliseconds:F0} ms; POST: {BenchReport.Summary(burstPost)}");
            BenchReport.Line($"  stored by B, per share from its POST: {BenchReport.Summary(burstIngested)}");
            BenchReport.Line($"  last share stored by B {(seenBurst.Values.Max() - first).TotalMilliseconds:F0} ms after the first POST began");
            return 0;
        }
        finally
        {
            if (!options.Keep)
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    private static async Task CreateShareAsync(HttpClient alice, string name, string shareWith)
    {
        using var response = await alice.PostAsJsonAsync(new Uri("api/v1/shares", UriKind.Relative),
            new { path = "/" + name, shareWith, permissions = ReadOnly });
        if (response.StatusCode != HttpStatusCode.Created)
        {
            throw new InvalidOperationException($"POST /api/v1/shares for {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    /// <summary>Polls bob's pending list until every name is there; returns B's <c>created</c> time of each.</summary>
    private static async Task<Dictionary<string, DateTimeOffset>> WaitVisibleAsync(HttpClient bob, IReadOnlyCollection<string> names, TimeSpan poll, TimeSpan timeout)
    {
        var wanted = new HashSet<string>(names, StringComparer.Ordinal);
        var seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            using (var response = await bob.GetAsync(new Uri("api/v1/received-shares?state=pending", UriKind.Relative)))
            {
                response.EnsureSuccessStatusCode();
                using var list = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                foreach (var share in list.RootElement.EnumerateArray())
                {
                    var name = share.GetProperty("name").GetString()!;
                    if (wanted.Contains(name) && !seen.ContainsKey(name))
                    {
                        seen[name] = share.GetProperty("created").GetDateTimeOffset();
                    }
                }
            }

            if (seen.Count == wanted.Count)
            {
                return seen;
            }

            await Task.Delay(poll);
        }

        throw new TimeoutException($"{wanted.Count - seen.Count} of {wanted.Count} shares did not reach B within {timeout.TotalSeconds} s.");
    }
}
