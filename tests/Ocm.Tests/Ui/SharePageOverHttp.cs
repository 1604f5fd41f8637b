using System.Net;
using Ocm.Tests.Infrastructure;
using Ocm.Tests.WebDav;

namespace Ocm.Tests.Ui;

/// <summary>
/// The share form over plain HTTP on one server (127.0.8.20): what a user types that cannot become a share is
/// explained on the page, never a 500.
/// </summary>
public sealed class SharePageOverHttp(SharePageOverHttp.ServerFixture fixture) : IClassFixture<SharePageOverHttp.ServerFixture>
{
    [Theory]
    [InlineData("9999-12-31", "The expiry date must be before 9999-12-31.")] // the day after has no DateTime: was a 500
    [InlineData("2020-01-01", "The expiry date must be today or later.")]
    [InlineData("31/12/2030", "The expiry date is not a date (YYYY-MM-DD).")]
    public async Task AnExpiryThatIsNoUsableDate_IsExplainedOnThePage(string expires, string reason)
    {
        var user = await UiUser.AddAsync(fixture.Server, "u" + Guid.NewGuid().ToString("N")[..10]);
        using var session = await UiHttpSession.SignInAsync(user);
        using var api = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        api.DefaultRequestHeaders.Authorization = new("Basic", TestUsers.BasicHeader(user.Name, user.Password)["Basic ".Length..]);
        await api.PutFileAsync(user.Name, "report.txt", "numbers");

        using var response = await session.PostFormAsync("ui/shares", ("path", "/report.txt"), ("shareWith", "bob@127.0.8.21:9"), ("expires", expires));

        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var html = await session.GetPageAsync(response.Headers.Location!.ToString());
        Assert.Contains(reason, html, StringComparison.Ordinal);
        Assert.Equal(0, (await api.GetJsonAsync("api/v1/shares")).GetArrayLength());
    }

    /// <summary>One server for the class; each test makes its own user.</summary>
    public sealed class ServerFixture : IAsyncLifetime
    {
        internal OcmTestServer Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await OcmTestServer.StartAsync("127.0.8.20", UiPageExtensions.Settings());

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
