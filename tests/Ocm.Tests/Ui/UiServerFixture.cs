using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Ui;

/// <summary>One server for a test class; each test creates its own users (<see cref="NewUserAsync"/>), so tests stay independent.</summary>
public sealed class UiServerFixture : IAsyncLifetime
{
    internal OcmTestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Server = await OcmTestServer.StartAsync("127.0.0.83", UiPageExtensions.Settings(("Ocm:Users:MaxFailuresPerUser", "3")));

    public async Task DisposeAsync() => await Server.DisposeAsync();

    internal Task<UiUser> NewUserAsync(bool admin = false, long? quotaBytes = null, string? displayName = null) =>
        UiUser.AddAsync(Server, "u" + Guid.NewGuid().ToString("N")[..10], displayName, admin, quotaBytes);
}
