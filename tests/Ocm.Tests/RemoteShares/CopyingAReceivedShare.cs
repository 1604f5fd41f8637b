using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Ocm.Data;
using Ocm.Tests.Infrastructure;
using Ocm.Users;
using Xunit.Abstractions;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// The OCM datatx flow between two real servers: alice on A (127.0.34.1) shares a folder with bob on B (127.0.34.2),
/// which A offers with <c>accessTypes: ["datatx"]</c>; bob asks B to copy it into his files, B copies it in the
/// background. A is stopped mid-copy and started again: the copy carries on with ranged GETs (A's own count of what it
/// served says no byte was sent twice beyond what was in flight) and ends with the same checksums on both sides.
/// </summary>
public sealed class CopyingAReceivedShare(ITestOutputHelper output) : IAsyncLifetime
{
    private const long FileSize = 256L * 1024 * 1024;
    private const int FileCount = 4;
    private static readonly XNamespace D = "DAV:";
    private static readonly XNamespace Oc = "http://owncloud.org/ns";

    private readonly ServedBytes _served = new();
    private readonly int _aPort = OcmProcess.FreePort("127.0.34.1");
    private OcmTestServer _a = null!;
    private OcmTestServer _b = null!;
    private HttpClient _alice = null!;
    private HttpClient _bob = null!;
    private string _aData = null!;

    private static Dictionary<string, string?> Fast(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Ocm:Delivery:PollSeconds"] = "0.1",
            ["Ocm:Delivery:InitialRetrySeconds"] = "0.2",
            ["Ocm:Delivery:MaxRetrySeconds"] = "1",
            ["Ocm:Delivery:CircuitBreakSeconds"] = "1",
            ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
            ["Ocm:Shares:RemoteTimeoutSeconds"] = "5",
            ["Ocm:Shares:TransferPollSeconds"] = "0.2",
            ["Ocm:Shares:TransferRetrySeconds"] = "0.5",
            ["Ocm:Shares:TransferMaxRetrySeconds"] = "1",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public async Task InitializeAsync()
    {
        _aData = TempDirectory.Create("ocm-datatx-a");
        await StartAAsync();
        _b = await OcmTestServer.StartAsync("127.0.34.2", Fast());
        _alice = await _a.CreateUserAsync("alice", "Alice Liddell");
        _bob = await _b.CreateUserAsync("bob", "Bob Builder");
    }

    /// <summary>A on a fixed port and data directory (so it can be stopped and started again), counting what it serves under <c>/dav/ocm/</c>.</summary>
    private async Task StartAAsync() => _a = await OcmTestServer.StartAsync(
        "127.0.34.1",
        Fast(("Ocm:Urls", $"http://127.0.34.1:{_aPort}")),
        services =>
        {
            services.AddSingleton<IStartupFilter>(new CountingFilter(_served));
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(1));
        },
        _aData);

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        _bob.Dispose();
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    [Fact]
    public async Task AOneGibFolder_SurvivesStoppingTheSender_AndArrivesWithEqualChecksums()
    {
        await _alice.MkColAsync("alice", "Big");
        for (var i = 1; i <= FileCount; i++)
        {
            using var put = await _alice.PutAsync($"dav/files/alice/Big/part-{i}.bin", new GeneratedBody(FileSize, null).Content());
            Assert.True(put.IsSuccessStatusCode, $"PUT part-{i}: {(int)put.StatusCode}");
        }

        var shareId = await ShareAndAcceptAsync("/Big");
        var received = await _bob.GetJsonAsync($"api/v1/received-shares/{shareId}");
        Assert.True(received.GetProperty("dataTransfer").GetBoolean(), "A offers the folder for datatx: " + received);

        var clock = Stopwatch.StartNew();
        var started = await _bob.PostJsonAsync($"api/v1/received-shares/{shareId}/copy", new { destination = "/Copy of Big" }, 202);
        var transferId = started.GetProperty("id").GetInt64();

        // Stop A in the middle of the second file: A holds its answer at 400 MiB until it is stopped.
        await _served.Held.WaitAsync(TimeSpan.FromSeconds(120));
        await _a.StopAsync();
        _served.HoldAt = null;
        var servedBeforeStop = _served.Bytes;
        output.WriteLine($"A stopped after {clock.Elapsed.TotalSeconds:0.0} s, having served {servedBeforeStop >> 20} MiB");

        var waiting = await OcmTestServerExtensions.EventuallyAsync(
            () => TransferAsync(transferId), t => t.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String, "B to notice that A is gone", seconds: 30);
        output.WriteLine($"B while A is down: {waiting}");
        Assert.Equal("queued", waiting.GetProperty("state").GetString());
        var doneWhileAWasDown = waiting.GetProperty("bytesDone").GetInt64();
        Assert.InRange(doneWhileAWasDown, 300L * 1024 * 1024, FileCount * FileSize - 1);

        await StartAAsync();
        var done = await OcmTestServerExtensions.EventuallyAsync(
            () => TransferAsync(transferId), t => t.GetProperty("state").GetString() != "queued", "the copy to finish", seconds: 150);
        output.WriteLine($"copy finished after {clock.Elapsed.TotalSeconds:0.0} s; A served {_served.Bytes >> 20} MiB in all; ranges asked for: {string.Join(", ", _served.Ranges)}");

        Assert.Equal("done", done.GetProperty("state").GetString());
        Assert.Equal(FileCount * FileSize, done.GetProperty("bytesDone").GetInt64());
        Assert.Equal(FileCount, done.GetProperty("filesDone").GetInt32());
        Assert.Equal("checksum", done.GetProperty("verification").GetString());

        // Resumed, not restarted: the file in progress went on from where B's part file ended, and A never served much
        // more than the folder once (what was in flight when it stopped is all that can be sent twice).
        Assert.Contains(_served.Ranges, r => r.StartsWith("bytes=", StringComparison.Ordinal) && !r.StartsWith("bytes=0-", StringComparison.Ordinal));
        Assert.InRange(_served.Bytes, FileCount * FileSize, (FileCount * FileSize) + (64L * 1024 * 1024));

        var onA = await ChecksumsAsync(_alice, "dav/files/alice/Big/");
        var onB = await ChecksumsAsync(_bob, "dav/files/bob/Copy%20of%20Big/");
        Assert.Equal(FileCount, onA.Count);
        Assert.Equal(onA, onB);
    }

    [Fact]
    public async Task AShareLargerThanTheQuota_FailsWithTheReason_AndNothingIsKept()
    {
        await _alice.MkColAsync("alice", "Photos");
        await _alice.PutFileAsync("alice", "Photos/a.jpg", new string('a', 6000));
        await _alice.PutFileAsync("alice", "Photos/b.jpg", new string('b', 6000));
        await using (var scope = _b.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
            await db.Set<User>().Where(u => u.Name == "bob").ExecuteUpdateAsync(u => u.SetProperty(x => x.QuotaBytes, 10000L));
        }

        var shareId = await ShareAndAcceptAsync("/Photos");
        var started = await _bob.PostJsonAsync($"api/v1/received-shares/{shareId}/copy", new { }, 202);
        Assert.Equal("/Photos", started.GetProperty("destination").GetString());

        var failed = await OcmTestServerExtensions.EventuallyAsync(
            () => TransferAsync(started.GetProperty("id").GetInt64()), t => t.GetProperty("state").GetString() != "queued", "the copy to end");
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        var reason = failed.GetProperty("error").GetString()!;
        Assert.Contains("12000 bytes", reason, StringComparison.Ordinal);
        Assert.Contains("quota", reason, StringComparison.Ordinal);
        using var photos = await _bob.SendDavAsync("PROPFIND", "dav/files/bob/Photos/a.jpg", null, ("Depth", "0"));
        Assert.Equal(HttpStatusCode.NotFound, photos.StatusCode);
    }

    [Fact]
    public async Task CopyingToAPlaceThatExists_IsRefusedWithTheReason()
    {
        await _alice.MkColAsync("alice", "Docs");
        await _bob.MkColAsync("bob", "Docs");
        var shareId = await ShareAndAcceptAsync("/Docs");
        using var refused = await _bob.PostAsync($"api/v1/received-shares/{shareId}/copy", JsonContent("{}"));
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("/Docs already exists", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonElement> TransferAsync(long id) => await _bob.GetJsonAsync($"api/v1/transfers/{id}");

    /// <summary>alice shares <paramref name="path"/> with bob; bob accepts it. Returns bob's received share id.</summary>
    private async Task<long> ShareAndAcceptAsync(string path)
    {
        await _alice.PostJsonAsync("api/v1/shares", new { path, shareWith = "bob@" + _b.Authority, permissions = new[] { "read" } }, 201);
        var name = path.TrimStart('/');
        var pending = await OcmTestServerExtensions.EventuallyAsync(
            () => _bob.GetJsonAsync("api/v1/received-shares?state=pending"),
            list => list.EnumerateArray().Any(s => s.GetProperty("name").GetString() == name),
            "the share to arrive on B");
        var id = pending.EnumerateArray().First(s => s.GetProperty("name").GetString() == name).GetProperty("id").GetInt64();
        await _bob.PostJsonAsync($"api/v1/received-shares/{id}/accept", new { }, 200);
        return id;
    }

    private static async Task<Dictionary<string, string>> ChecksumsAsync(HttpClient client, string folder)
    {
        const string Body = """<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns"><d:prop><oc:checksums/></d:prop></d:propfind>""";
        using var response = await client.SendDavAsync("PROPFIND", folder, Body, ("Depth", "1"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 207, text);
        return XDocument.Parse(text).Descendants(D + "response")
            .Where(r => r.Descendants(Oc + "checksum").Any(c => c.Value.Length > 0))
            .ToDictionary(r => Uri.UnescapeDataString(r.Element(D + "href")!.Value.TrimEnd('/').Split('/')[^1]), r => r.Descendants(Oc + "checksum").First().Value);
    }

    /// <summary>What A served to other servers under <c>/dav/ocm/</c>: body bytes, and the <c>Range</c> of each request.</summary>
    private sealed class ServedBytes
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _bytes;

        /// <summary>Once this much is served, answers stall (until the request is aborted) and <see cref="Held"/> completes.</summary>
        public long? HoldAt { get; set; } = 400L * 1024 * 1024;

        public Task Held => _held.Task;

        public async Task HoldIfDueAsync(CancellationToken cancellationToken)
        {
            if (HoldAt is long at && Bytes >= at)
            {
                _held.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
        }

        public long Bytes => Interlocked.Read(ref _bytes);

        public ConcurrentQueue<string> Ranges { get; } = new();

        public void Add(long count) => Interlocked.Add(ref _bytes, count);
    }

    private sealed class CountingFilter(ServedBytes served) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Method == "GET" && context.Request.Path.StartsWithSegments("/dav/ocm"))
                {
                    served.Ranges.Enqueue(context.Request.Headers.Range.ToString() is { Length: > 0 } range ? range : "(whole)");
                    var feature = context.Features.Get<IHttpResponseBodyFeature>()!;
                    context.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(new CountingStream(feature.Stream, served, context.RequestAborted), feature));
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CountingStream(Stream inner, ServedBytes served, CancellationToken aborted) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count)
        {
            inner.Write(buffer, offset, count);
            served.Add(count);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await served.HoldIfDueAsync(aborted);
            await inner.WriteAsync(buffer, cancellationToken);
            served.Add(buffer.Length);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
