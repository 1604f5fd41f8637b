using System.Text.Json;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Doctor;

/// <summary>
/// <c>ocm doctor</c> run as server A (its data directory, so it signs with A's keys, which peers fetch from A) against
/// real <c>ocm serve</c> processes on 127.0.30.2x: one requiring signatures passes every check, with the test
/// recipient receiving only the correctly signed share; one accepting unsigned shares is warned about; and
/// <c>ocm doctor</c> without a peer checks A itself from outside.
/// </summary>
public sealed class DiagnosingOcmServers(DiagnosingOcmServers.Servers servers) : IClassFixture<DiagnosingOcmServers.Servers>
{
    private const string BobPassword = "Bob-doctor-pass-2026!";

    private static readonly string[] EveryPeerCheck =
        ["discovery", "discovery.urls", "discovery.spec", "dialect", "tls", "keys.jwks", "keys.legacy", "signatures", "token", "rtt", "clock"];

    /// <summary>A (the doctor's own server), B (requires signatures) and C (accepts unsigned shares), bob on B and C.</summary>
    public sealed class Servers : IAsyncLifetime
    {
        internal OcmProcess A { get; private set; } = null!;

        internal OcmProcess B { get; private set; } = null!;

        internal OcmProcess C { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var starting = new[]
            {
                OcmProcess.StartServeAsync("127.0.30.20", environment: OcmProcess.Quiet),
                OcmProcess.StartServeAsync("127.0.30.21", environment: new Dictionary<string, string>(OcmProcess.Quiet) { ["OCM_SECURITY__REQUIRESIGNATURES"] = "true" }),
                OcmProcess.StartServeAsync("127.0.30.22", environment: OcmProcess.Quiet),
            };
            var started = await Task.WhenAll(starting);
            (A, B, C) = (started[0], started[1], started[2]);
            foreach (var server in new[] { B, C })
            {
                var added = await OcmProcess.RunAsync(["user", "add", "bob", "--password", BobPassword, "--data-dir", server.DataDir]);
                Assert.True(added.ExitCode == 0, added.All);
            }
        }

        public async Task DisposeAsync()
        {
            foreach (var server in new[] { A, B, C })
            {
                await server.DisposeAsync();
                TempDirectory.Delete(server.DataDir);
            }
        }
    }

    [Fact]
    public async Task OcmRequiringSignatures_EveryCheckOk_RecipientGetsOnlyTheSignedShare()
    {
        var b = servers.B.BaseUri.Authority;

        var (exit, report) = await DoctorJsonAsync(b, "--recipient", "bob@" + b);

        Assert.True(exit == 0, report.ToString());
        Assert.Equal("ok", report.GetProperty("status").GetString());
        Assert.False(report.GetProperty("self").GetBoolean());
        Assert.Equal("Ocm14", report.GetProperty("dialect").GetString());
        var checks = report.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(EveryPeerCheck, checks.Select(c => c.GetProperty("id").GetString()));
        Assert.All(checks, c => Assert.True(c.GetProperty("status").GetString() == "ok", c.ToString()));
        var signatures = DiagnosingPeers.Check(report, "signatures");
        Assert.Contains(signatures.Details, d => d.StartsWith("wrong signature → 401", StringComparison.Ordinal));
        Assert.Contains(signatures.Details, d => d.StartsWith("no signature → 401", StringComparison.Ordinal));
        Assert.Contains(signatures.Details, d => d.StartsWith("our signature → 201", StringComparison.Ordinal));
        Assert.Contains("invalid_grant", DiagnosingPeers.Check(report, "token").Message, StringComparison.Ordinal);

        var received = await OcmProcess.RunAsync(
            ["received", "list", "--server", servers.B.BaseUri.ToString(), "--user", "bob", "--json"],
            new Dictionary<string, string> { ["OCM_PASSWORD"] = BobPassword });
        Assert.True(received.ExitCode == 0, received.All);
        using var list = JsonDocument.Parse(received.StdOut);
        var probe = Assert.Single(list.RootElement.EnumerateArray(), s => s.GetProperty("name").GetString() == "ocm-doctor-check.txt");
        Assert.Contains(servers.A.BaseUri.Authority, probe.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OcmAcceptingUnsignedShares_IsWarnedWithTheSetting_ExitOne()
    {
        var c = servers.C.BaseUri.Authority;

        var (exit, report) = await DoctorJsonAsync(c, "--recipient", "bob@" + c);

        Assert.Equal(1, exit);
        var signatures = DiagnosingPeers.Check(report, "signatures");
        Assert.Equal("warn", signatures.Status);
        Assert.Contains("also accepts unsigned shares", signatures.Message, StringComparison.Ordinal);
        Assert.Contains("Ocm:Security:RequireSignatures=true", signatures.Fix, StringComparison.Ordinal);
        Assert.Contains(signatures.Details, d => d.StartsWith("wrong signature → 401", StringComparison.Ordinal));
        Assert.Single(report.GetProperty("checks").EnumerateArray(), check => check.GetProperty("status").GetString() != "ok");
    }

    [Fact]
    public async Task DoctorWithoutPeer_ChecksOurOwnServerFromOutside_AllOk()
    {
        var result = await OcmProcess.RunAsync(["doctor", "--data-dir", servers.A.DataDir, "--public-url", servers.A.BaseUri.ToString()]);

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains($"Checking this server from outside: {servers.A.BaseUri}", result.StdOut, StringComparison.Ordinal);
        Assert.Contains($"[ OK ] self.publicUrl: Our public URL {servers.A.BaseUri} answers", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("[ OK ] keys.jwks:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("[ OK ] clock:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("[ OK ] token:", result.StdOut, StringComparison.Ordinal);
        Assert.DoesNotContain("] signatures:", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("Result: OK", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DoctorWithoutPeer_PublicUrlNobodyAnswersAt_FailsNamingTheSetting()
    {
        var nowhere = $"http://127.0.30.23:{OcmProcess.FreePort("127.0.30.23")}/";

        var result = await OcmProcess.RunAsync(["doctor", "--data-dir", servers.A.DataDir, "--public-url", nowhere, "--json"]);

        Assert.True(result.ExitCode == 2, result.All);
        using var document = JsonDocument.Parse(result.StdOut);
        var report = document.RootElement;
        Assert.True(report.GetProperty("self").GetBoolean());
        Assert.Equal("fail", DiagnosingPeers.Check(report, "discovery").Status);
        var publicUrl = DiagnosingPeers.Check(report, "self.publicUrl");
        Assert.Equal("fail", publicUrl.Status);
        Assert.Contains("Ocm:PublicUrl", publicUrl.Fix, StringComparison.Ordinal);
    }

    private async Task<(int Exit, JsonElement Report)> DoctorJsonAsync(params string[] args)
    {
        var result = await OcmProcess.RunAsync(["doctor", .. args, "--data-dir", servers.A.DataDir, "--public-url", servers.A.BaseUri.ToString(), "--json"]);
        Assert.True(result.ExitCode is >= 0 and <= 2, result.All);
        using var document = JsonDocument.Parse(result.StdOut);
        return (result.ExitCode, document.RootElement.Clone());
    }
}
