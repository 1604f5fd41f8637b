using System.Collections;
using System.CommandLine;
using System.CommandLine.Parsing;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ocm.Hosting;

/// <summary>
/// For every command that talks to a running server's JSON API as a user (<c>ocm share …</c>, <c>ocm received …</c>,
/// <c>ocm invite …</c>): the same <c>--server URL --user NAME --json</c>, the same default server, the same password
/// rules (<see cref="CommandPassword"/>) and the same one-line errors.
/// </summary>
internal sealed partial class ServerConnection
{
    /// <summary>Where <c>ocm serve</c> listens when nothing is configured.</summary>
    public const string FallbackServer = "http://localhost:8080";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(90);

    public ServerConnection()
    {
        Server = new Option<string>("--server")
        {
            Description = "Base URL of the Ocm server. Without it: this machine's server as configured "
                + "(Ocm:PublicUrl, else the first of Ocm:Urls, from appsettings.json, ocm.json in the data directory or OCM_ variables).",
            HelpName = "url",
            DefaultValueFactory = ConfiguredServer,
        };
        Server.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!TryParseServer(value, out _))
            {
                result.AddError(result.Implicit
                    ? $"the configured server '{value}' (Ocm:PublicUrl or Ocm:Urls) is not an http:// or https:// URL; give --server URL."
                    : $"--server '{value}' is not an http:// or https:// URL (e.g. https://cloud.example.org).");
            }
        });
    }

    public Option<string> Server { get; }

    public Option<string> User { get; } = new("--user")
    {
        Description = $"Your user name on that server; the password comes from {CommandPassword.EnvironmentVariable}, a prompt, or standard input.",
        HelpName = "name",
        Required = true,
    };

    public Option<bool> Json { get; } = CommandJson.Switch();

    public static ServerConnection AddTo(Command command)
    {
        var connection = new ServerConnection();
        command.Options.Add(connection.Server);
        command.Options.Add(connection.User);
        command.Options.Add(connection.Json);
        return connection;
    }

    /// <summary>
    /// Signs in and runs <paramref name="action"/>. Every failure — no password, server unreachable or slow, an error
    /// answer — is one line on standard error and exit code 1.
    /// </summary>
    public async Task<int> RunAsync(ParseResult parse, Func<ApiClient, Task<int>> action, CancellationToken cancellationToken)
    {
        if (!TryParseServer(parse.GetValue(Server), out var server))
        {
            // The option's validator has already refused it; this is for callers that skipped validation.
            await Console.Error.WriteLineAsync($"error: --server '{parse.GetValue(Server)}' is not an http:// or https:// URL.");
            return 2;
        }

        try
        {
            var user = parse.GetValue(User)!;
            var password = await CommandPassword.ForSignInAsync(user, cancellationToken);
            using var http = new HttpClient { BaseAddress = server, Timeout = RequestTimeout };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            return await action(new ApiClient(http, parse.GetValue(Json)));
        }
        catch (CommandException ex)
        {
            await Console.Error.WriteLineAsync("error: " + ex.Message);
            return ex.ExitCode;
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot reach {server}: {ex.InnerException?.Message ?? ex.Message}");
            return 1;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"error: {server} did not answer within {RequestTimeout.TotalSeconds:0} s.");
            return 1;
        }
    }

    /// <summary>
    /// The server configured on this machine, read like <c>ocm serve</c> reads it: <c>Ocm:PublicUrl</c>, else the first
    /// of <c>Ocm:Urls</c> (a wildcard listen address such as <c>http://0.0.0.0:8080</c> becomes <c>localhost</c>), else
    /// <see cref="FallbackServer"/>.
    /// </summary>
    internal static string ConfiguredServer(IDictionary? environment = null)
    {
        var configuration = new ConfigurationManager();
        OcmConfiguration.Apply(configuration, new Dictionary<string, string?>(), environment: environment);
        var options = configuration.GetSection(OcmOptions.Section).Get<OcmOptions>() ?? new OcmOptions();
        var url = !string.IsNullOrWhiteSpace(options.PublicUrl)
            ? options.PublicUrl
            : options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? FallbackServer;
        return WildcardHost().Replace(url.Trim(), "${scheme}localhost");
    }

    private static string ConfiguredServer(ArgumentResult result)
    {
        try
        {
            return ConfiguredServer(environment: null);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            result.AddError($"--server is not given and the configuration cannot be read: {ex.Message}");
            return FallbackServer;
        }
    }

    private static bool TryParseServer(string? value, out Uri server)
    {
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            // The API paths are relative to the base URL, which may carry a path prefix (a reverse proxy's).
            server = new Uri(uri.AbsoluteUri.TrimEnd('/') + "/");
            return true;
        }

        server = new Uri(FallbackServer + "/");
        return false;
    }

    [GeneratedRegex(@"^(?<scheme>https?://)(\*|\+|0\.0\.0\.0|\[::\])(?=[:/]|$)", RegexOptions.IgnoreCase)]
    private static partial Regex WildcardHost();
}

/// <summary>The signed-in user API of one server, as a command uses it.</summary>
internal sealed class ApiClient(HttpClient http, bool json)
{
    /// <summary>True when the user asked for <c>--json</c>.</summary>
    public bool Json { get; } = json;

    /// <summary>
    /// Sends a request and returns the JSON answer (an empty object for 204). An error answer throws a
    /// <see cref="CommandException"/> carrying the problem's title and detail (RFC 9457) in one line.
    /// </summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, CommandJson.Options), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new CommandException(Describe(response, text));
        }

        try
        {
            using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new CommandException($"{http.BaseAddress} answered {(int)response.StatusCode} with something that is not JSON: is it an Ocm server?");
        }
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    private static string Describe(HttpResponseMessage response, string body)
    {
        string? title = null, detail = null;
        try
        {
            using var problem = JsonDocument.Parse(body);
            if (problem.RootElement.ValueKind == JsonValueKind.Object)
            {
                title = problem.RootElement.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                detail = problem.RootElement.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
            }
        }
        catch (JsonException)
        {
        }

        var status = (int)response.StatusCode;
        var words = string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrWhiteSpace(s)));
        if (words.Length == 0)
        {
            words = response.StatusCode == HttpStatusCode.Unauthorized
                ? "the server refused the user name or password"
                : $"the server answered {response.ReasonPhrase ?? "an error"}";
        }

        return $"{words} (HTTP {status})";
    }
}
