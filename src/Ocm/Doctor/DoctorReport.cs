using System.Text.Json.Serialization;

namespace Ocm.Doctor;

/// <summary>How one check came out. Written in <c>--json</c> as <c>ok</c>, <c>warn</c>, <c>fail</c>, <c>skipped</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DoctorStatus>))]
internal enum DoctorStatus
{
    /// <summary>Nothing to do.</summary>
    [JsonStringEnumMemberName("ok")]
    Ok,

    /// <summary>Works, but something will hurt some peers, or later.</summary>
    [JsonStringEnumMemberName("warn")]
    Warn,

    /// <summary>Something that breaks federation with this peer.</summary>
    [JsonStringEnumMemberName("fail")]
    Fail,

    /// <summary>Not checked; the message says why.</summary>
    [JsonStringEnumMemberName("skipped")]
    Skipped,
}

/// <summary>One finding: what was checked, how it came out, in words, and what to do about it.</summary>
/// <param name="Id">Stable identifier (docs/interop.md lists them), e.g. <c>keys.jwks</c>.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Message">What was found, in one or two sentences.</param>
/// <param name="Fix">What to change, and where; null when there is nothing to do.</param>
/// <param name="Details">The evidence: URLs and what they answered, keys, spec rules broken.</param>
internal sealed record DoctorCheck(string Id, DoctorStatus Status, string Message, string? Fix, IReadOnlyList<string> Details);

/// <summary>What <c>ocm doctor</c> found (the <c>--json</c> output).</summary>
internal sealed record DoctorReport
{
    /// <summary>Exit code when every check is ok or skipped.</summary>
    public const int ExitOk = 0;

    /// <summary>Exit code when at least one check warns and none fails.</summary>
    public const int ExitWarnings = 1;

    /// <summary>Exit code when at least one check fails.</summary>
    public const int ExitFailures = 2;

    /// <summary>Exit code when the doctor could not run at all (no data directory, a target that is no host name).</summary>
    public const int ExitCannotRun = 3;

    /// <summary>What was checked as typed (a host, URL or OCM address), or our own public URL.</summary>
    public required string Target { get; init; }

    /// <summary>True for <c>ocm doctor</c> without a peer: our own server, seen from outside.</summary>
    public required bool Self { get; init; }

    /// <summary>The URL the discovery document was read from, when discovery worked.</summary>
    public string? DocumentUrl { get; init; }

    /// <summary>The peer's dialect (<see cref="Protocol.Discovery.OcmDialect"/>), when discovery worked.</summary>
    public string? Dialect { get; init; }

    /// <summary>When the checks ran.</summary>
    public required DateTimeOffset CheckedAt { get; init; }

    /// <summary>The worst status of all checks.</summary>
    public DoctorStatus Status => Checks.Any(c => c.Status == DoctorStatus.Fail) ? DoctorStatus.Fail
        : Checks.Any(c => c.Status == DoctorStatus.Warn) ? DoctorStatus.Warn
        : DoctorStatus.Ok;

    /// <summary>The process exit code for <see cref="Status"/>.</summary>
    public int ExitCode => Status switch
    {
        DoctorStatus.Fail => ExitFailures,
        DoctorStatus.Warn => ExitWarnings,
        _ => ExitOk,
    };

    /// <summary>Every check, in the order they ran.</summary>
    public required IReadOnlyList<DoctorCheck> Checks { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(DoctorReport))]
internal sealed partial class DoctorJsonContext : JsonSerializerContext;
