using System.Diagnostics;
using System.Net;
using Ocm.Protocol.Signatures.Messages;

namespace Ocm.Bench.Federation;

/// <summary>
/// Received-share ingest rate: how many signed <c>POST /ocm/shares</c> one <c>ocm serve</c> process accepts per second
/// from N concurrent senders. The senders are <see cref="SigningPeers"/> on their own loopback addresses (the receiver
/// discovers each and fetches its JWK Set once, then serves it from cache); every request is a new share for bob,
/// RFC 9421-signed with a fresh <c>created</c> and nonce, verified by the receiver (digest, signature, replay cache),
/// checked by the trust policy (unknown senders: the share goes to quarantine) and stored. Requests are signed before
/// the measured window so that the sender's signing does not compete for the cores with the receiver. Reported per
/// level: accepted shares per wall-clock second, and receiver CPU time per accepted share (the figure that does not
/// depend on what else the machine is doing). One unsigned level at the highest concurrency shows what the signature
/// check costs.
/// </summary>
internal static class ShareIngestBenchmark
{
    private const string Password = "bench-password-1";

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var work = Directory.CreateTempSubdirectory("ocm-bench-ingest-").FullName;
        var peerCount = Math.Min(options.Peers, options.AddressCount - 1);
        BenchReport.Line($"Share ingest: {BenchReport.Machine()}");
        try
        {
            // The per-sender limit on new shares (Ocm:Shares:IncomingBurst/IncomingPerHour) is lifted: this measures
            // how fast the receiver can take shares in, not the limit.
            var unlimited = new Dictionary<string, string>
            {
                ["OCM_SHARES__INCOMINGBURST"] = "100000000",
                ["OCM_SHARES__INCOMINGPERHOUR"] = "100000000",
            };
            await using var receiver = await OcmServeProcess.StartAsync(options.Address(0), work, "receiver", [("bob", Password)], unlimited);
            await using var peers = await SigningPeers.StartAsync([.. Enumerable.Range(1, peerCount).Select(options.Address)]);
            var target = new Uri(receiver.BaseUri, "ocm/shares");
            var recipient = $"bob@{receiver.Authority}";
            BenchReport.Line($"receiver {receiver.Authority} (pid {receiver.ProcessId}); {peerCount} sending servers on {options.Address(1)}…{options.Address(peerCount)}; {options.Seconds} s per level; work dir {work}");

            var sequence = 0;
            List<HttpMessage> Build(int count, bool sign) =>
                [.. Enumerable.Range(0, count).Select(_ =>
                {
                    var n = sequence++;
                    return peers.Share(peers.Authorities[n % peerCount], target, recipient, n, sign);
                })];

            // Warm-up: every peer once (discovery + JWK Set fetched by the receiver), then long enough for the
            // receiver's hot path to be recompiled by the tiered JIT (its first thousand requests are much slower).
            var warm = await SendAsync(Build(peerCount, sign: true), concurrency: 1, TimeSpan.FromMinutes(2));
            warm = warm.Add(await SendAsync(Build(options.MaxRequests, sign: true), concurrency: 4, TimeSpan.FromSeconds(options.WarmupSeconds)));
            warm = warm.Add(await SendAsync(Build(200, sign: false), concurrency: 4, TimeSpan.FromMinutes(2)));
            BenchReport.Line($"warm-up: {warm.Statuses}; the receiver fetched discovery/JWKS {peers.KeyFetches} times");
            if (warm.Accepted == 0)
            {
                BenchReport.Line($"nothing accepted: see {receiver.DataDir}/serve.log");
                return 1;
            }

            BenchReport.Line("");
            BenchReport.Line("| senders | signed | accepted | other | wall s | accepted/s | latency median / p95 ms | receiver CPU ms/share | shares per receiver CPU-s | load before → after |");
            BenchReport.Line("|--:|:-:|--:|--:|--:|--:|--:|--:|--:|:--|");
            var levels = options.Senders.Select(c => (Concurrency: c, Signed: true)).Append((Concurrency: options.Senders.Max(), Signed: false));
            foreach (var (concurrency, signed) in levels)
            {
                // Signed before the window (a signature stays fresh for Ocm:Security:MaxAgeSeconds, 300 s by default).
                var messages = Build(options.MaxRequests, signed);
                var load = BenchReport.LoadAverage();
                var cpu = receiver.CpuTime;
                var result = await SendAsync(messages, concurrency, TimeSpan.FromSeconds(options.Seconds));
                var cpuMs = (receiver.CpuTime - cpu).TotalMilliseconds;
                var perShare = result.Accepted > 0 ? cpuMs / result.Accepted : double.NaN;
                BenchReport.Line($"| {concurrency} | {(signed ? "yes" : "no")} | {result.Accepted} | {result.Other} | {result.Wall.TotalSeconds:F1} | {result.Accepted / result.Wall.TotalSeconds:F0} | {BenchReport.Percentile(result.Latencies, 50):F1} / {BenchReport.Percentile(result.Latencies, 95):F1} | {perShare:F2} | {1000 / perShare:F0} | {load} → {BenchReport.LoadAverage()} |");
                if (result.Other > 0)
                {
                    BenchReport.Line($"  statuses: {result.Statuses}");
                }

                if (result.Sent == messages.Count)
                {
                    BenchReport.Line($"  (all {messages.Count} pre-signed requests sent before the {options.Seconds} s were up: raise --max-requests)");
                }
            }

            BenchReport.Line("");
            BenchReport.Line($"receiver peak RSS {receiver.PeakRssMiB} MiB; discovery/JWKS fetched {peers.KeyFetches} times in all");
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

    /// <summary>Sends the messages from <paramref name="concurrency"/> connections until all are sent or time is up.</summary>
    private static async Task<SendResult> SendAsync(IReadOnlyList<HttpMessage> messages, int concurrency, TimeSpan duration)
    {
        var requests = messages.Select(SigningPeers.ToRequest).ToArray();
        using var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, UseCookies = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            Timeout = TimeSpan.FromSeconds(60),
        };
        var latencies = new double[requests.Length];
        var statuses = new int[requests.Length];
        var next = -1;
        var clock = Stopwatch.StartNew();
        var senders = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while (clock.Elapsed < duration && (i = Interlocked.Increment(ref next)) < requests.Length)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.SendAsync(requests[i]);
                    await response.Content.LoadIntoBufferAsync();
                    statuses[i] = (int)response.StatusCode;
                }
                catch (HttpRequestException)
                {
                    statuses[i] = -1;
                }

                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })).ToList();
        await Task.WhenAll(senders);
        clock.Stop();
        foreach (var request in requests)
        {
            request.Dispose();
        }

        var sent = Math.Min(next + 1, requests.Length);
        var done = Enumerable.Range(0, sent).Where(i => statuses[i] != 0).ToList();
        return new SendResult(
            sent,
            done.Count(i => statuses[i] == (int)HttpStatusCode.Created),
            done.Count(i => statuses[i] != (int)HttpStatusCode.Created),
            clock.Elapsed,
            [.. done.Select(i => latencies[i])],
            done.GroupBy(i => statuses[i]).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()));
    }

    private sealed record SendResult(int Sent, int Accepted, int Other, TimeSpan Wall, List<double> Latencies, Dictionary<int, int> StatusCounts)
    {
        public string Statuses => string.Join(", ", StatusCounts.Select(s => $"{s.Value}× {(s.Key < 0 ? "connection error" : s.Key.ToString(System.Globalization.CultureInfo.InvariantCulture))}"));

        public SendResult Add(SendResult other) => new(
            Sent + other.Sent,
            Accepted + other.Accepted,
            Other + other.Other,
            Wall + other.Wall,
            [.. Latencies, .. other.Latencies],
            StatusCounts.Concat(other.StatusCounts).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)));
    }
}
