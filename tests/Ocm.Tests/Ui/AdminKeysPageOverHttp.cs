using System.Net;
using Ocm.Signatures;

namespace Ocm.Tests.Ui;

/// <summary>
/// The signing-keys admin page: a key change the store refuses (unknown key, retiring the active one) is explained on
/// the page, never a 500, and the keys stay as they were.
/// </summary>
public sealed class AdminKeysPageOverHttp(UiServerFixture fixture) : IClassFixture<UiServerFixture>
{
    [Fact]
    public async Task RefusedKeyChanges_AreExplained_AndChangeNothing()
    {
        var store = fixture.Server.GetRequiredService<ServerKeyStore>();
        var active = store.List().Single(k => k.State == ServerKeyState.Active && k.Purpose == ServerKeyStore.PurposeRfc9421);
        using var session = await UiHttpSession.SignInAsync(await fixture.NewUserAsync(admin: true));

        await AssertExplainedAsync(session, "ui/admin/keys/retire", active.KeyId, "activate another key first");
        await AssertExplainedAsync(session, "ui/admin/keys/activate", "no-such-key", "No key 'no-such-key'");
        await AssertExplainedAsync(session, "ui/admin/keys/retire", "", "No key ''");

        Assert.Equal(ServerKeyState.Active, store.List().Single(k => k.KeyId == active.KeyId).State);
    }

    private static async Task AssertExplainedAsync(UiHttpSession session, string action, string keyId, string reason)
    {
        using var response = await session.PostFormAsync(action, ("keyId", keyId));
        Assert.True(response.StatusCode == HttpStatusCode.SeeOther, $"POST {action} {keyId}: {(int)response.StatusCode}");
        Assert.Contains(reason, WebUtility.HtmlDecode(await session.GetPageAsync(response.Headers.Location!.ToString())), StringComparison.Ordinal);
    }
}
