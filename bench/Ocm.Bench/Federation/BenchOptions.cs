using System.Globalization;
using System.Net;

namespace Ocm.Bench.Federation;

/// <summary>Command line of <c>Ocm.Bench federation …</c>.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        Ocm.Bench federation latency|ingest|all [options]
          --first-address A    first loopback address to use (default 127.0.3.2); the benchmarks use consecutive
          --last-address B     addresses up to B (default 127.0.3.20): latency needs 2, ingest 1 + --peers
          --shares N           latency: shares per phase (default 50)
          --poll-ms N          latency: how often bob polls his pending list (default 5)
          --timeout S          latency: give up waiting for a share after S seconds (default 60)
          --senders 1,4,16     ingest: concurrent senders per level (a signed level each, plus one unsigned at the highest)
          --peers N            ingest: distinct sending servers (default 8, at most the addresses left after the receiver)
          --seconds S          ingest: measured window per level (default 15)
          --warmup-seconds S   ingest: signed requests sent before the first level (default 10)
          --max-requests N     ingest: requests signed in advance per level (default 20000)
          --keep               keep the data directories (logs: <dir>/<server>/serve.log)
        """;

    public required string Command { get; init; }

    public IPAddress FirstAddress { get; init; } = IPAddress.Parse("127.0.3.2");

    public IPAddress LastAddress { get; init; } = IPAddress.Parse("127.0.3.20");

    public int Shares { get; init; } = 50;

    public int PollMilliseconds { get; init; } = 5;

    public int TimeoutSeconds { get; init; } = 60;

    public IReadOnlyList<int> Senders { get; init; } = [1, 4, 16];

    public int Peers { get; init; } = 8;

    public int Seconds { get; init; } = 15;

    public int WarmupSeconds { get; init; } = 10;

    public int MaxRequests { get; init; } = 20_000;

    public bool Keep { get; init; }

    /// <summary>How many addresses from <see cref="FirstAddress"/> to <see cref="LastAddress"/>.</summary>
    public int AddressCount => (int)(ToNumber(LastAddress) - ToNumber(FirstAddress) + 1);

    /// <summary>The <paramref name="index"/>-th address of the range (0 = the first).</summary>
    public string Address(int index)
    {
        if (index < 0 || index >= AddressCount)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"Only {AddressCount} addresses ({FirstAddress}–{LastAddress}) may be used.");
        }

        var value = ToNumber(FirstAddress) + (uint)index;
        return new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
    }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0] is not ("latency" or "ingest" or "all"))
        {
            throw new ArgumentException("Name a benchmark: latency, ingest or all.");
        }

        var options = new BenchOptions { Command = args[0] };
        for (var i = 1; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Number() => int.Parse(Value(), CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--first-address" => options with { FirstAddress = IPAddress.Parse(Value()) },
                "--last-address" => options with { LastAddress = IPAddress.Parse(Value()) },
                "--shares" => options with { Shares = Number() },
                "--poll-ms" => options with { PollMilliseconds = Number() },
                "--timeout" => options with { TimeoutSeconds = Number() },
                "--senders" => options with { Senders = [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] },
                "--peers" => options with { Peers = Number() },
                "--seconds" => options with { Seconds = Number() },
                "--warmup-seconds" => options with { WarmupSeconds = Number() },
                "--max-requests" => options with { MaxRequests = Number() },
                "--keep" => options with { Keep = true },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }

        if (options.AddressCount < 2 || !IPAddress.IsLoopback(options.FirstAddress) || !IPAddress.IsLoopback(options.LastAddress))
        {
            throw new ArgumentException("--first-address … --last-address must be at least two loopback addresses.");
        }

        if (options.Shares < 1 || options.Peers < 1 || options.Seconds < 1 || options.MaxRequests < 1 || options.Senders.Count == 0 || options.Senders.Any(s => s < 1))
        {
            throw new ArgumentException("Counts must be 1 or more.");
        }

        return options;
    }

    private static uint ToNumber(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
    }
}
