using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.WebDav;

/// <summary>Users and authenticated clients on an in-process <see cref="OcmTestServer"/>.</summary>
internal static class TestUsers
{
    public const string Password = "correct-horse-42";

    /// <summary>Settings every WebDAV test server uses: no first-start admin (nothing printed), quiet logs.</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Ocm:Users:CreateAdminOnFirstStart"] = "false",
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task CreateAsync(OcmTestServer server, string name, long? quotaBytes = null, string password = Password)
    {
        await using var scope = server.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAsync(new NewUser(name, password, QuotaBytes: quotaBytes), CancellationToken.None);
    }

    /// <summary>A client for <c>/dav/files/{name}/</c> that signs in as <paramref name="name"/>.</summary>
    public static HttpClient Client(OcmTestServer server, string name, string password = Password) => Client(server.BaseUri, name, password);

    public static HttpClient Client(Uri baseUri, string name, string password = Password)
    {
        var client = new HttpClient { BaseAddress = new Uri(baseUri, $"dav/files/{name}/"), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));
        return client;
    }

    public static string BasicHeader(string name, string password = Password) =>
        "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}"));
}

internal static class DavRequests
{
    public static HttpRequestMessage Method(string method, string url, string? body = null, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/xml");
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static Task<HttpResponseMessage> PropFindAsync(this HttpClient client, string url, string depth = "1", string? body = null) =>
        client.SendAsync(Method("PROPFIND", url, body, ("Depth", depth)));

    public static Task<HttpResponseMessage> PutTextAsync(this HttpClient client, string url, string text, params (string Name, string Value)[] headers)
    {
        var request = Method("PUT", url, null, headers);
        request.Content = new StringContent(text, Encoding.UTF8, "text/plain");
        return client.SendAsync(request);
    }
}

/// <summary>Sends a request exactly as written (HttpClient would normalise <c>..</c> and escapes away).</summary>
internal static class RawHttp
{
    public static async Task<(int Status, string Response)> SendAsync(Uri server, string method, string target, string? authorization, string? body = null, params string[] headers)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port);
        await using var stream = tcp.GetStream();
        var bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var request = new StringBuilder();
        request.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n");
        request.Append("Host: ").Append(server.Authority).Append("\r\n");
        if (authorization is not null)
        {
            request.Append("Authorization: ").Append(authorization).Append("\r\n");
        }

        foreach (var header in headers)
        {
            request.Append(header).Append("\r\n");
        }

        request.Append("Content-Length: ").Append(bodyBytes.Length).Append("\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        await stream.WriteAsync(bodyBytes);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync();
        var statusLine = response.Split("\r\n", 2)[0];
        var parts = statusLine.Split(' ');
        return (parts.Length > 1 && int.TryParse(parts[1], out var status) ? status : 0, response);
    }
}

/// <summary>Runs an external program (litmus, rclone, cadaver, ocm) and collects its output.</summary>
internal static class Tool
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public string All => Output + Error;
    }

    public static async Task<Result> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? standardInput = null,
        TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (standardInput is not null)
        {
            await process.StandardInput.WriteAsync(standardInput);
        }

        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} did not finish in time. Output so far: {await output}{await error}");
        }

        return new Result(process.ExitCode, await output, await error);
    }
}
