using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Ocm.Hosting;

/// <summary>
/// For commands that talk to a running server's JSON API as a user (<c>ocm share …</c>, <c>ocm received …</c>):
/// <c>--server URL --user NAME</c>, the password from <c>OCM_PASSWORD</c> or a prompt (never a flag: it would end up
/// in shell history and process lists).
/// </summary>
internal sealed class ServerConnection
{
    public Option<string> Server { get; } = new("--server")
    {
        Description = "Base URL of the Ocm server (default http://localhost:8080).",
        DefaultValueFactory = _ => "http://localhost:8080",
    };

    public Option<string> User { get; } = new("--user") { Description = "User name; the password comes from OCM_PASSWORD or a prompt.", Required = true };

    public ServerConnection()
    {
        Server.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                result.AddError($"--server '{value}' is not an http:// or https:// URL (e.g. https://cloud.example.org).");
            }
        });
    }

    public static ServerConnection AddTo(Command command)
    {
        var connection = new ServerConnection();
        command.Options.Add(connection.Server);
        command.Options.Add(connection.User);
        return connection;
    }

    public HttpClient CreateClient(ParseResult parse)
    {
        var server = parse.GetValue(Server)!;
        var user = parse.GetValue(User)!;
        var password = Environment.GetEnvironmentVariable("OCM_PASSWORD") ?? Prompt($"Password for {user}: ");
        var client = new HttpClient { BaseAddress = new Uri(server.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    /// <summary>Sends and returns the JSON answer; on an error status prints the problem's title and detail and returns null.</summary>
    public static async Task<JsonElement?> SendAsync(HttpClient client, HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(JsonSerializer.Serialize(body, CommandJson.Options), Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"error: cannot reach {client.BaseAddress}: {ex.Message}");
            return null;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await Console.Error.WriteLineAsync($"error: {(int)response.StatusCode} {Describe(text, response.ReasonPhrase)}");
                return null;
            }

            return text.Length == 0 ? JsonDocument.Parse("{}").RootElement.Clone() : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    private static string Describe(string body, string? reason)
    {
        try
        {
            var problem = JsonDocument.Parse(body).RootElement;
            var title = problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            var detail = problem.TryGetProperty("detail", out var d) ? d.GetString() : null;
            return string.Join(": ", new[] { title, detail }.Where(s => !string.IsNullOrEmpty(s)));
        }
        catch (JsonException)
        {
            return reason ?? "request failed";
        }
    }

    private static string Prompt(string prompt)
    {
        if (Console.IsInputRedirected)
        {
            return Console.In.ReadLine() ?? "";
        }

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

            if (key.Key == ConsoleKey.Backspace && password.Length > 0)
            {
                password.Length--;
            }
            else if (!char.IsControl(key.KeyChar))
            {
                password.Append(key.KeyChar);
            }
        }
    }
}

internal static class CommandJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static readonly JsonSerializerOptions Indented = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static void Print(JsonElement element) => Console.Out.WriteLine(JsonSerializer.Serialize(element, Indented));
}
