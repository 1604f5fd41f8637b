using System.Text.Json;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.Signatures;

namespace Ocm.Tests.Shares;

/// <summary>
/// Who may make a reshare arrive (OCM §Resharing, Appendix B "Verifying a Signature"): a share to carol@C (127.0.31.40)
/// naming owner alice@A and sender bob@B is made and signed by the owner's server A. C accepts it signed by A
/// (127.0.31.42), refuses it signed by a third server D (127.0.31.43) with the reason (401: a key of neither B nor A), and a server that reshares its own
/// file "from bob" (bob being carol's contact) gets no contact's treatment: only the owner is vouched for.
/// </summary>
public sealed class ForgingAReshare
{
    [Fact]
    public async Task SignedByTheOwnersServer_IsAccepted_SignedByAThirdServer_IsRefusedWithTheReason()
    {
        await using var ownerServer = await SigningPeer.StartAsync("127.0.31.42");
        await using var resharerServer = await SigningPeer.StartAsync("127.0.31.41");
        await using var third = await SigningPeer.StartAsync("127.0.31.43");
        await using var c = await OcmTestServer.StartAsync("127.0.31.40", new Dictionary<string, string?> { ["Ocm:Users:CreateAdminOnFirstStart"] = "false" });
        using var carol = await c.CreateUserAsync("carol");
        var alice = ownerServer.User("alice");
        var bob = resharerServer.User("bob");
        await carol.PostJsonAsync("api/v1/contacts", new { address = bob, name = "Bob" }, 201);
        var target = new Uri(c.BaseUri, "ocm/shares");

        // D signs a reshare of alice's file: its key is neither B's nor A's, so the signature is refused, naming D.
        var (forgedStatus, forgedBody) = await SigningPeer.SendAsync(third.Sign(Reshare(target, "carol@" + c.Authority, owner: alice, sender: bob)));
        Assert.True(forgedStatus == 401, $"{forgedStatus}: {forgedBody}");
        var reason = JsonDocument.Parse(forgedBody).RootElement.GetProperty("message").GetString()!;
        Assert.Contains(third.Authority, reason, StringComparison.Ordinal);
        Assert.Equal(0, (await carol.GetJsonAsync("api/v1/received-shares")).GetArrayLength());

        // The owner's server A signs the same: accepted, heard as from A.
        var (status, body) = await SigningPeer.SendAsync(ownerServer.Sign(Reshare(target, "carol@" + c.Authority, owner: alice, sender: bob)));
        Assert.True(status == 201, $"{status}: {body}");
        var received = await carol.GetJsonAsync("api/v1/received-shares");
        Assert.Equal(ownerServer.Authority, received[0].GetProperty("senderServer").GetString());
        Assert.Equal(bob, received[0].GetProperty("sender").GetString());

        // D "reshares" its own user's file as if bob, carol's contact, asked: accepted (D owns it) but not as from a
        // contact — it waits among the shares from unknown senders.
        var (ownStatus, ownBody) = await SigningPeer.SendAsync(third.Sign(Reshare(target, "carol@" + c.Authority, owner: third.User("mallory"), sender: bob, name: "invoice.pdf")));
        Assert.True(ownStatus == 201, $"{ownStatus}: {ownBody}");
        var fromD = (await carol.GetJsonAsync("api/v1/received-shares")).EnumerateArray().Single(s => s.GetProperty("name").GetString() == "invoice.pdf");
        Assert.True(fromD.GetProperty("quarantined").GetBoolean());
    }

    private static HttpMessage Reshare(Uri target, string shareWith, string owner, string sender, string name = "report.md")
    {
        var providerId = Guid.NewGuid().ToString("N");
        var message = HttpMessage.CreateRequest("POST", target);
        message.Headers.Add("Content-Type", "application/json");
        message.Body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            shareWith,
            name,
            providerId,
            owner,
            sender,
            shareType = "user",
            resourceType = "file",
            protocol = new { name = "multi", webdav = new { uri = providerId, sharedSecret = "secret-" + providerId, permissions = new[] { "read" } } },
        });
        return message;
    }
}
