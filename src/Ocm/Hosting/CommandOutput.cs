using System.CommandLine;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ocm.Hosting;

/// <summary>
/// JSON for scripts (<c>--json</c>): indented, and readable as it is — names such as "für Bob" or "Shared with me"
/// and times such as <c>+00:00</c> appear as typed, not as <c>\u00FC</c> or <c>\u002B</c> (the default encoder escapes
/// everything that could be unsafe inside HTML, which a terminal or a JSON parser is not).
/// </summary>
internal static class CommandJson
{
    /// <summary>Request bodies sent to the user API.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    private static readonly JsonWriterOptions Output = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>The <c>--json</c> switch of every command that prints something a script may want.</summary>
    public static Option<bool> Switch() => new("--json") { Description = "Print JSON for scripts instead of text for people." };

    public static void Write(JsonElement element)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Output))
        {
            element.WriteTo(writer);
        }

        Console.Out.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    public static void Write<T>(T value, JsonTypeInfo<T> typeInfo) => Write(JsonSerializer.SerializeToElement(value, typeInfo));
}

/// <summary>A command cannot go on; <see cref="Exception.Message"/> is the one line printed after <c>error: </c>.</summary>
internal sealed class CommandException : Exception
{
    public CommandException(string message, int exitCode = 1)
        : base(message) => ExitCode = exitCode;

    public CommandException()
        : this("The command failed.")
    {
    }

    public CommandException(string message, Exception innerException)
        : base(message, innerException) => ExitCode = 1;

    public int ExitCode { get; }
}

/// <summary>
/// Passwords for commands. Never a flag for signing in (it would end up in shell history and process lists): it comes
/// from <c>OCM_PASSWORD</c>, else a prompt on the terminal (not echoed), else the first line of standard input when
/// that is a pipe. With none of them the command says so and stops, rather than sending an empty password or waiting.
/// </summary>
internal static class CommandPassword
{
    public const string EnvironmentVariable = "OCM_PASSWORD";

    /// <summary>The password <paramref name="user"/> signs in to a running server with.</summary>
    public static async Task<string> ForSignInAsync(string user, CancellationToken cancellationToken)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        var password = await ReadAsync($"Password for {user}: ", cancellationToken);
        return string.IsNullOrEmpty(password)
            ? throw new CommandException(
                $"No password for '{user}': set {EnvironmentVariable}, run the command in a terminal, or pipe the password on standard input.")
            : password;
    }

    /// <summary>
    /// A terminal: asks (without echo); standard input redirected: its first line; null when there is nothing to read
    /// (end of input or an empty line).
    /// </summary>
    public static async Task<string?> ReadAsync(string prompt, CancellationToken cancellationToken)
    {
        if (Console.IsInputRedirected)
        {
            var line = (await Console.In.ReadLineAsync(cancellationToken))?.TrimEnd('\r');
            return string.IsNullOrEmpty(line) ? null : line;
        }

        var typed = Prompt(prompt);
        return typed.Length == 0 ? null : typed;
    }

    /// <summary>Asks on the terminal without echoing; the prompt goes to standard error so it never mixes with output.</summary>
    public static string Prompt(string prompt)
    {
        Console.Error.Write(prompt);
        var password = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return password.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (password.Length > 0)
                {
                    password.Length--;
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}
