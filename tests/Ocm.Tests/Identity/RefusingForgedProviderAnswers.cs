using System.Net;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// Answers that must not sign anyone in: a callback whose <c>state</c> was changed and a sign-in code used twice
/// (against the real OpenID Provider), and ID tokens from another issuer, expired, or signed with a key the provider
/// does not publish (from a provider of the test's own whose token endpoint hands them out). Each ends on a page that
/// says what was wrong, with 400 — never a 500, never a session.
/// </summary>
public sealed partial class RefusingForgedProviderAnswers
{
    [Fact]
    public async Task ChangedState_AndReplayedCode_AreRefusedWithAClearPage()
    {
        var port = OcmProcess.FreePort("127.0.0.94");
        var baseUri = new Uri($"http://127.0.0.94:{port}/");
        await using var provider = await TestOpenIdProvider.StartAsync(baseUri);
        await using var server = await OcmTestServer.StartAsync("127.0.0.94", provider.ServerSettings(baseUri.AbsoluteUri.TrimEnd('/')));

        // A changed state: the answer does not belong to the sign-in this browser started.
        var tampered = await BrowserlessFlow.StartAsync(server.BaseUri);
        var callback = await tampered.SignInAtProviderAsync("s-tom/tom");
        var state = QueryValue(callback, "state");
        var changed = new Uri(callback.AbsoluteUri.Replace("state=" + state, "state=" + Uri.EscapeDataString(Flip(Uri.UnescapeDataString(state))), StringComparison.Ordinal));
        using (var response = await tampered.Http.GetAsync(changed))
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Contains("the state did not match", await response.Content.ReadAsStringAsync());
        }

        Assert.False(await tampered.IsSignedInAsync());

        // The genuine answer signs in once; the same code sent again (with the same cookies) is refused by the provider.
        var flow = await BrowserlessFlow.StartAsync(server.BaseUri);
        var code = await flow.SignInAtProviderAsync("s-rita/rita");
        var cookiesBefore = flow.Cookies.GetCookies(server.BaseUri).Concat(flow.Cookies.GetCookies(code)).ToList();
        using (var first = await flow.Http.GetAsync(code))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
            Assert.True(await flow.IsSignedInAsync());
        }

        var replay = BrowserlessFlow.With(server.BaseUri, cookiesBefore);
        using (var second = await replay.Http.GetAsync(code))
        {
            Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
            Assert.Contains("refused the sign-in code", await second.Content.ReadAsStringAsync());
        }

        Assert.False(await replay.IsSignedInAsync());
    }

    [Theory]
    [InlineData("valid", null)]
    [InlineData("other-issuer", "issued by another issuer")]
    [InlineData("expired", "had expired")]
    [InlineData("unknown-key", "not signed with a key the identity provider publishes")]
    public async Task IdToken_FromAnotherIssuer_Expired_OrWithAnUnpublishedKey_IsRefused(string token, string? refusal)
    {
        await using var provider = await FakeProvider.StartAsync(token);
        var port = OcmProcess.FreePort("127.0.0.95");
        await using var server = await OcmTestServer.StartAsync("127.0.0.95", UiPageExtensions.Settings(
            ("Ocm:Urls", $"http://127.0.0.95:{port}"),
            ("Ocm:Identity:Oidc:Authority", provider.Issuer),
            ("Ocm:Identity:Oidc:ClientId", FakeProvider.ClientId),
            ("Ocm:Identity:Oidc:ClientSecret", "fake-secret"),
            ("Ocm:Identity:Oidc:RequireHttpsMetadata", "false")));

        var flow = await BrowserlessFlow.StartAsync(server.BaseUri);
        var callback = await flow.FollowUntilOcmAsync(flow.Location!);
        using var response = await flow.Http.GetAsync(callback);
        var body = await response.Content.ReadAsStringAsync();
        if (refusal is null)
        {
            // The control: the same path with a good token signs in, so the refusals below are about the token alone.
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.True(await flow.IsSignedInAsync());
            return;
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(refusal, body);
        Assert.False(await flow.IsSignedInAsync());
    }

    private static string QueryValue(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).First(p => p[0] == name)[1];

    private static string Flip(string value) =>
        value[..^4] + (value[^4] == 'A' ? 'B' : 'A') + value[^3..];

    /// <summary>A cookie-keeping HTTP client that walks the redirects of a sign-in by hand, as a browser would.</summary>
    private sealed partial class BrowserlessFlow
    {
        private BrowserlessFlow(Uri server, CookieContainer cookies)
        {
            Server = server;
            Cookies = cookies;
            Http = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        }

        public Uri Server { get; }

        public CookieContainer Cookies { get; }

        public HttpClient Http { get; }

        public Uri? Location { get; private set; }

        public static async Task<BrowserlessFlow> StartAsync(Uri server)
        {
            var flow = new BrowserlessFlow(server, new CookieContainer());
            var start = new Uri(server, "ui/login/oidc");
            using var response = await flow.Http.GetAsync(start);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            flow.Location = new Uri(start, response.Headers.Location!);
            return flow;
        }

        public static BrowserlessFlow With(Uri server, IEnumerable<Cookie> cookies)
        {
            var container = new CookieContainer();
            foreach (var cookie in cookies)
            {
                container.Add(cookie);
            }

            return new BrowserlessFlow(server, container);
        }

        /// <summary>Through the provider's login form; returns the callback URL (code and state) without requesting it.</summary>
        public async Task<Uri> SignInAtProviderAsync(string login)
        {
            var current = Location!;
            string html;
            while (true)
            {
                using var response = await Http.GetAsync(current);
                if ((int)response.StatusCode is >= 300 and < 400)
                {
                    current = new Uri(current, response.Headers.Location!);
                    continue;
                }

                html = await response.Content.ReadAsStringAsync();
                break;
            }

            var action = new Uri(current, WebUtility.HtmlDecode(FormAction().Match(html).Groups[1].Value));
            using var submitted = await Http.PostAsync(action, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["prompt"] = "login",
                ["login"] = login,
                ["password"] = "any",
            }));
            Assert.True((int)submitted.StatusCode is >= 300 and < 400, $"the provider's login form answered {submitted.StatusCode}");
            return await FollowUntilOcmAsync(new Uri(action, submitted.Headers.Location!));
        }

        /// <summary>Follows redirects until the next one would be a request to Ocm: that URL.</summary>
        public async Task<Uri> FollowUntilOcmAsync(Uri next)
        {
            while (!next.AbsoluteUri.StartsWith(Server.AbsoluteUri, StringComparison.Ordinal))
            {
                using var response = await Http.GetAsync(next);
                Assert.True((int)response.StatusCode is >= 300 and < 400, $"{next} answered {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                next = new Uri(next, response.Headers.Location!);
            }

            return next;
        }

        public async Task<bool> IsSignedInAsync()
        {
            using var response = await Http.GetAsync(new Uri(Server, "ui/files/"));
            return response.StatusCode == HttpStatusCode.OK;
        }

        [GeneratedRegex("<form[^>]*action=\"([^\"]+)\"")]
        private static partial Regex FormAction();
    }

    /// <summary>
    /// A provider of the test's own: discovery, JWKS (one key), an authorization endpoint that answers at once with a
    /// code, and a token endpoint that hands out the ID token of the scenario (with the request's nonce, so only the
    /// property under test is wrong).
    /// </summary>
    private sealed class FakeProvider : IAsyncDisposable
    {
        public const string ClientId = "fake-client";

        private readonly WebApplication _app;
        private readonly RSA _published = RSA.Create(2048);
        private readonly RSA _unpublished = RSA.Create(2048);
        private readonly Dictionary<string, string> _nonces = new(StringComparer.Ordinal);
        private readonly string _scenario;

        private FakeProvider(string scenario, int port)
        {
            _scenario = scenario;
            Issuer = $"http://127.0.0.96:{port}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls(Issuer);
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = Issuer,
                ["authorization_endpoint"] = Issuer + "/authorize",
                ["token_endpoint"] = Issuer + "/token",
                ["jwks_uri"] = Issuer + "/jwks",
                ["response_types_supported"] = new[] { "code" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            }));
            _app.MapGet("/jwks", () =>
            {
                var key = _published.ExportParameters(false);
                return Results.Json(new Dictionary<string, object>
                {
                    ["keys"] = new[]
                    {
                        new Dictionary<string, string> { ["kty"] = "RSA", ["kid"] = "published", ["use"] = "sig", ["alg"] = "RS256", ["n"] = Base64UrlEncoder.Encode(key.Modulus), ["e"] = Base64UrlEncoder.Encode(key.Exponent) },
                    },
                });
            });
            _app.MapGet("/authorize", (HttpContext context) =>
            {
                var query = context.Request.Query;
                var code = Guid.NewGuid().ToString("N");
                lock (_nonces)
                {
                    _nonces[code] = query["nonce"].ToString();
                }

                return Results.Redirect($"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"].ToString())}");
            });
            _app.MapPost("/token", async (HttpContext context) =>
            {
                var form = await context.Request.ReadFormAsync();
                string nonce;
                lock (_nonces)
                {
                    if (!_nonces.Remove(form["code"].ToString(), out nonce!))
                    {
                        return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
                    }
                }

                return Results.Json(new Dictionary<string, object> { ["access_token"] = "fake-access", ["token_type"] = "Bearer", ["expires_in"] = 300, ["id_token"] = IdToken(nonce) });
            });
        }

        public string Issuer { get; }

        public static async Task<FakeProvider> StartAsync(string scenario)
        {
            var provider = new FakeProvider(scenario, OcmProcess.FreePort("127.0.0.96"));
            await provider._app.StartAsync();
            return provider;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.DisposeAsync();
            _published.Dispose();
            _unpublished.Dispose();
        }

        private string IdToken(string nonce)
        {
            var now = DateTime.UtcNow;
            var expired = _scenario == "expired";
            var key = _scenario == "unknown-key" ? new RsaSecurityKey(_unpublished) { KeyId = "unpublished" } : new RsaSecurityKey(_published) { KeyId = "published" };
            return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
            {
                Issuer = _scenario == "other-issuer" ? "http://127.0.0.97:1" : Issuer,
                Audience = ClientId,
                IssuedAt = expired ? now.AddMinutes(-30) : now,
                NotBefore = expired ? now.AddMinutes(-30) : now.AddSeconds(-5),
                Expires = expired ? now.AddMinutes(-10) : now.AddMinutes(5),
                Claims = new Dictionary<string, object>
                {
                    ["sub"] = "fake-" + _scenario,
                    ["nonce"] = nonce,
                    ["preferred_username"] = "fake-" + _scenario,
                },
                SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
            });
        }
    }
}
