using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Users;

namespace Ocm.Tests.Infrastructure;

/// <summary>Intent-level helpers on a running test server: users, files, the JSON API.</summary>
internal static class OcmTestServerExtensions
{
    /// <summary>Creates a user and returns an HttpClient signed in as that user (Basic).</summary>
    public static async Task<HttpClient> CreateUserAsync(this OcmTestServer server, string name, string? displayName = null)
    {
        var password = "pw-" + name + "-" + Guid.NewGuid().ToString("N")[..8];
        await using (var scope = server.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserAccounts>().AddAsync(new NewUser(name, password, displayName), CancellationToken.None);
        }

        var client = new HttpClient { BaseAddress = server.BaseUri };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name}:{password}")));
        return client;
    }

    public static async Task PutFileAsync(this HttpClient user, string userName, string path, string content)
    {
        using var response = await user.PutAsync($"dav/files/{userName}/{path.TrimStart('/')}", new StringContent(content));
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode}");
    }

    public static async Task MkColAsync(this HttpClient user, string userName, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod("MKCOL"), $"dav/files/{userName}/{path.Trim('/')}/");
        using var response = await user.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"MKCOL {path}: {(int)response.StatusCode}");
    }

    /// <summary>Sends <paramref name="method"/> (any WebDAV verb) with an optional text body and extra headers.</summary>
    public static async Task<HttpResponseMessage> SendDavAsync(this HttpClient client, string method, string url, string? body = null, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (body is not null)
        {
            request.Content = new StringContent(body);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request);
    }

    public static async Task<JsonElement> PostJsonAsync(this HttpClient client, string url, object body, int expectedStatus)
    {
        using var response = await client.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"POST {url}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> PatchJsonAsync(this HttpClient client, string url, object body, int expectedStatus)
    {
        using var response = await client.PatchAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"PATCH {url}: expected {expectedStatus}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public static async Task<JsonElement> GetJsonAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls until <paramref name="condition"/> holds (deliveries go through the outbox, asynchronously).</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        T value;
        while (true)
        {
            value = await probe();
            if (condition(value))
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Timed out waiting for {what}; last value: {value}");
            }

            await Task.Delay(100);
        }
    }
}
