using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Ocm.Hosting;

/// <summary>
/// A start (of <c>ocm serve</c> or an offline command) that cannot go on, described in one line that names the problem
/// and the fix. The message is meant for the operator's terminal, so it never holds a stack trace or a secret.
/// </summary>
internal sealed class OcmStartupException : Exception
{
    public OcmStartupException()
    {
    }

    public OcmStartupException(string message)
        : base(message)
    {
    }

    public OcmStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public OcmStartupException(string message, int exitCode, Exception? innerException = null)
        : base(message, innerException)
    {
        ExitCode = exitCode;
    }

    /// <summary><see cref="StartupFailures.ExitConfiguration"/> or <see cref="StartupFailures.ExitEnvironment"/>.</summary>
    public int ExitCode { get; } = StartupFailures.ExitEnvironment;
}

/// <summary>Turns the exceptions a start can end with into <see cref="OcmStartupException"/>s an operator can act on.</summary>
internal static partial class StartupFailures
{
    /// <summary>Something around the server is not as needed: an address in use, a directory, the database.</summary>
    public const int ExitEnvironment = 1;

    /// <summary>The configuration (files, environment, flags) is wrong, or the command was pointed at the wrong place.</summary>
    public const int ExitConfiguration = 2;

    /// <summary>The one-line description of <paramref name="exception"/>, or null for an exception no start should end with (a bug).</summary>
    public static OcmStartupException? Describe(Exception exception, string? urls = null)
    {
        switch (exception)
        {
            case OcmStartupException described:
                return described;
            case AggregateException { InnerExceptions.Count: 1 } aggregate:
                return Describe(aggregate.InnerExceptions[0], urls);
            case OptionsValidationException invalid:
                return new OcmStartupException(
                    $"invalid configuration: {string.Join("; ", invalid.Failures.Select(f => OneLine(f).TrimEnd('.')))}. Correct it in ocm.json, the OCM_… environment or the command line",
                    ExitConfiguration,
                    exception);
            case InvalidOperationException when exception.Source == "Microsoft.Extensions.Configuration.Binder":
                // "Failed to convert configuration value 'abc' at 'Ocm:MaxApiBodyBytes' to type 'System.Int64'."
                return new OcmStartupException(
                    $"invalid configuration: {OneLine(exception.Message).TrimEnd('.')}. Correct it in ocm.json, the OCM_… environment or the command line",
                    ExitConfiguration,
                    exception);
            case IOException when Find<SocketException>(exception) is { } socket:
                return Listen(exception, socket, urls);
            default:
                return null;
        }
    }

    /// <summary>A configuration file that cannot be read: which file, where in it, and what to do.</summary>
    public static OcmStartupException ConfigurationFile(string path, Exception exception)
    {
        var reason = Find<JsonException>(exception) is { } json
            ? $"not valid JSON at line {json.LineNumber + 1}, position {json.BytePositionInLine + 1}: {JsonReason(json.Message)}"
            : OneLine(Innermost(exception).Message).TrimEnd('.');
        return new OcmStartupException($"cannot read the configuration file {path}: {reason}. Correct it or remove it", ExitConfiguration, exception);
    }

    /// <summary>The message on one line: exception messages from libraries sometimes span several.</summary>
    public static string OneLine(string message) => string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    public static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    private static OcmStartupException Listen(Exception exception, SocketException socket, string? urls)
    {
        // Kestrel: "Failed to bind to address http://127.0.0.1:8080: address already in use."
        var address = BindAddress().Match(exception.Message) is { Success: true } match ? match.Groups[1].Value : urls;
        var message = socket.SocketErrorCode switch
        {
            _ when exception.InnerException is AddressInUseException || socket.SocketErrorCode == SocketError.AddressAlreadyInUse =>
                $"cannot listen on {address}: the address is already in use (is another ocm serve running?). Stop that program or choose another address with --urls",
            SocketError.AccessDenied =>
                $"cannot listen on {address}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE). Choose another port with --urls",
            SocketError.AddressNotAvailable =>
                $"cannot listen on {address}: no network interface of this machine has that address. Choose another with --urls",
            _ => $"cannot listen on {address}: {OneLine(socket.Message).TrimEnd('.')}. Check the address given with --urls",
        };
        return new OcmStartupException(message, ExitEnvironment, exception);
    }

    /// <summary>System.Text.Json ends its messages with " LineNumber: 2 | BytePositionInLine: 14." — said differently above.</summary>
    private static string JsonReason(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return OneLine(cut > 0 ? message[..cut] : message).TrimEnd('.');
    }

    [GeneratedRegex(@"Failed to bind to address (\S+?):? ")]
    private static partial Regex BindAddress();
}
