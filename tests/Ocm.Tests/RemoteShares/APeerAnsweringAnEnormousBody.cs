using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Shares;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.RemoteShares;

/// <summary>
/// carol's server (scripted on 127.0.15.21) shared a file with bob on our server (127.0.15.20) that must be opened with
/// an exchanged token (OCM §Code Flow). When bob opens it, carol's token endpoint answers with an endless body.
/// Bob's server reads no more than its cap of a peer's answer (<c>Ocm:Federation:MaxResponseBytes</c>), cuts the
/// connection and tells bob why, at once: nothing of the rest is read, nor kept in memory.
/// </summary>
public sealed class APeerAnsweringAnEnormousBody
{
    private const long Enormous = 4L * 1024 * 1024 * 1024;

    [Fact]
    public async Task TokenEndpointAnswersWithoutEnd_BobIsToldAtOnce_AndTheAnswerIsCutOff()
    {
        var written = new System.Collections.Concurrent.ConcurrentQueue<long>();
        await using var carol = await FakeOcmPeer.StartAsync(
            "127.0.15.21",
            async (context, _) =>
            {
                if (context.Request.Path != "/token")
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return;
                }

                // 200 and a JSON-looking body that never ends (no Content-Length: chunked).
                context.Response.ContentType = "application/json";
                var chunk = new byte[64 * 1024];
                chunk.AsSpan().Fill((byte)' ');
                long sent = 0;
                try
                {
                    await context.Response.Body.WriteAsync("{\"access_token\":\""u8.ToArray(), context.RequestAborted);
                    while (sent < Enormous && !context.RequestAborted.IsCancellationRequested)
                    {
                        await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        sent += chunk.Length;
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException)
                {
                    // Bob's server hung up: what this test expects.
                }

                written.Enqueue(sent);
            },
            (document, baseUri) =>
            {
                document["capabilities"] = new System.Text.Json.Nodes.JsonArray("notifications", "protocol-object", "exchange-token");
                document["tokenEndPoint"] = new Uri(baseUri, "token").ToString();
            });
        await using var server = await OcmTestServer.StartAsync("127.0.15.20", new Dictionary<string, string?>
        {
            ["Ocm:Trust:QuarantineUnknownSenders"] = "false",
            ["Ocm:Shares:RemoteTimeoutSeconds"] = "30",
        });
        using var bob = await server.CreateUserAsync("bob");
        await ReceiveAsync(server, "bob", carol.Authority);

        var clock = Stopwatch.StartNew();
        using var response = await bob.GetAsync("dav/files/bob/Shared%20with%20me/numbers.txt");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains($"{carol.Authority} answered the token exchange with more than 1048576 bytes", text, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"bob waited {clock.Elapsed}");
        // What carol managed to send before bob's server hung up: the cap plus what the sockets buffer, not the rest.
        var answers = await OcmTestServerExtensions.EventuallyAsync(
            () => Task.FromResult(written.ToArray()), w => w.Length > 0, "carol's token endpoint to notice that bob's server hung up");
        Assert.All(answers, sent => Assert.True(sent < 64L * 1024 * 1024, $"{sent} bytes were sent before the connection was cut"));
    }

    /// <summary>An accepted share from carol to bob, as the share notification would have left it.</summary>
    private static async Task ReceiveAsync(OcmTestServer server, string userName, string senderHost)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        var user = await db.Set<User>().SingleAsync(u => u.Name == userName);
        var now = DateTimeOffset.UtcNow;
        db.Add(new ReceivedShare
        {
            RecipientUserId = user.Id,
            SenderHost = senderHost,
            ProviderId = "numbers-1",
            Name = "numbers.txt",
            ResourceType = "file",
            Owner = "carol@" + senderHost,
            Sender = "carol@" + senderHost,
            WebDavUri = "numbers-1",
            ProtectedSecret = scope.ServiceProvider.GetRequiredService<SecretProtector>().Protect("code-for-numbers"),
            Permissions = SharePermissions.Read,
            MustExchangeToken = true,
            State = ReceivedShareState.Accepted,
            Created = now,
            Updated = now,
        });
        await db.SaveChangesAsync();
    }
}
