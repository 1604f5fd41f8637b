using System.CommandLine;
using System.Text.Json;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;

namespace Ocm.Doctor;

/// <summary>
/// <c>ocm doctor [PEER]</c>: the interoperability diagnosis (docs/interop.md). With a peer, what it publishes, how it
/// speaks, whether it verifies our signatures; without one, our own server seen from outside. It signs as our server,
/// so it opens the data directory like the other admin commands (<see cref="OfflineHost"/>). Exit codes:
/// <see cref="DoctorReport.ExitOk"/> all ok, <see cref="DoctorReport.ExitWarnings"/> warnings,
/// <see cref="DoctorReport.ExitFailures"/> failures, <see cref="DoctorReport.ExitCannotRun"/> the checks could not run.
/// </summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var peer = new Argument<string?>("peer")
        {
            Description = "The OCM server to check: host, host:port, URL or user@host. Without it, this server is checked from outside.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var recipient = new Option<string?>("--recipient")
        {
            Description = "A test user on the peer (user@host) who receives the shares that check signature verification; without it that check is skipped.",
            HelpName = "user@host",
        };
        var json = CommandJson.Switch();
        var insecure = new Option<bool>("--insecure")
        {
            Description = "Allow plain http and private/loopback addresses (test setups). Same as Ocm:Federation:AllowInsecurePeers=true.",
        };
        var command = new Command(
            "doctor",
            "Diagnose interoperability with an OCM server (discovery, dialect, TLS, keys, signature verification, token exchange, round-trip time, clock), "
            + "or check this server from outside. Exit code 0 ok, 1 warnings, 2 failures, 3 could not run.")
        {
            peer, recipient, json, insecure,
        };
        var data = DataDirOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var target = parse.GetValue(peer);
            var testRecipient = parse.GetValue(recipient);
            if (testRecipient is not null && !OcmAddress.TryParse(testRecipient, out _))
            {
                await Console.Error.WriteLineAsync($"error: --recipient '{testRecipient}' is not an OCM address (user@host).");
                return DoctorReport.ExitCannotRun;
            }

            if (testRecipient is not null && target is null)
            {
                await Console.Error.WriteLineAsync("error: --recipient needs a PEER: our own server is not sent test shares.");
                return DoctorReport.ExitCannotRun;
            }

            var overrides = parse.GetValue(insecure)
                ? new Dictionary<string, string?> { ["Ocm:Federation:AllowInsecurePeers"] = "true" }
                : null;
            DoctorReport report;
            try
            {
                await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken, overrides);
                var doctor = ActivatorUtilities.CreateInstance<PeerDoctor>(host.Services);
                report = target is null
                    ? await doctor.CheckSelfAsync(cancellationToken)
                    : await doctor.CheckPeerAsync(target, testRecipient, cancellationToken);
            }
            catch (OcmStartupException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return DoctorReport.ExitCannotRun;
            }
            catch (FormatException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return DoctorReport.ExitCannotRun;
            }

            if (parse.GetValue(json))
            {
                CommandJson.Write(JsonSerializer.SerializeToElement(report, DoctorJsonContext.Default.DoctorReport));
            }
            else
            {
                WriteText(report);
            }

            return report.ExitCode;
        });
        return command;
    }

    private static void WriteText(DoctorReport report)
    {
        var o = Console.Out;
        o.WriteLine(report.Self ? $"Checking this server from outside: {report.Target}" : $"Checking {report.Target}");
        if (report.DocumentUrl is not null)
        {
            o.WriteLine($"Discovery: {report.DocumentUrl} ({report.Dialect})");
        }

        o.WriteLine();
        foreach (var check in report.Checks)
        {
            o.WriteLine($"[{Label(check.Status)}] {check.Id}: {check.Message}");
            foreach (var detail in check.Details)
            {
                o.WriteLine("       " + detail);
            }

            if (check.Fix is not null && check.Status is not DoctorStatus.Ok)
            {
                o.WriteLine("       fix: " + check.Fix);
            }
        }

        o.WriteLine();
        var counts = report.Checks.GroupBy(c => c.Status).OrderBy(g => g.Key).Select(g => $"{g.Count()} {Label(g.Key).Trim().ToLowerInvariant()}");
        o.WriteLine($"Result: {Label(report.Status).Trim()} ({string.Join(", ", counts)})");
    }

    private static string Label(DoctorStatus status) => status switch
    {
        DoctorStatus.Ok => " OK ",
        DoctorStatus.Warn => "WARN",
        DoctorStatus.Fail => "FAIL",
        _ => "SKIP",
    };
}
