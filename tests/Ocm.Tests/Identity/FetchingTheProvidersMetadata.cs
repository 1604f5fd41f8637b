using System.Net;
using Microsoft.AspNetCore.Http;
using Ocm.Testing;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Ui;

namespace Ocm.Tests.Identity;

/// <summary>
/// The provider's metadata and keys are fetched over the server's one guarded outbound path: the provider the operator
/// named is reached even on a non-public address, but a key set its metadata places on another internal host is
/// refused by the SSRF guard, and the sign-in page says the provider cannot be reached (never a 500).
/// </summary>
public sealed class FetchingTheProvidersMetadata
{
    [Fact]
    public async Task MetadataPointingAtAnotherInternalHost_IsRefusedByTheSsrfGuard_WithAClearPage()
    {
        await using var internalHost = await LoopbackHttpServer.StartAsync("127.0.28.5", context =>
        {
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("""{"keys":[]}""");
        });
        await using var provider = await LoopbackHttpServer.StartAsync("127.0.28.4", context =>
        {
            var issuer = "http://" + context.Request.Host.Value;
            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync($$"""
                {"issuer":"{{issuer}}","authorization_endpoint":"{{issuer}}/auth","token_endpoint":"{{issuer}}/token",
                 "jwks_uri":"{{internalHost.BaseUri.AbsoluteUri}}jwks","response_types_supported":["code"],
                 "subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}
                """);
        });
        await using var server = await OcmTestServer.StartAsync("127.0.28.6", UiPageExtensions.Settings(
            ("Ocm:Federation:AllowInsecurePeers", "false"),
            ("Ocm:Identity:Oidc:Authority", provider.BaseUri.AbsoluteUri.TrimEnd('/')),
            ("Ocm:Identity:Oidc:ClientId", "ocm-test"),
            ("Ocm:Identity:Oidc:RequireHttpsMetadata", "false")));
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseUri };

        using var response = await client.GetAsync("ui/login/oidc");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("cannot be reached right now", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The named provider answered (its own loopback address is allowed); the other internal host was never contacted.
        Assert.Contains("/.well-known/openid-configuration", provider.Paths);
        Assert.Equal(0, internalHost.RequestCount);
    }
}
