using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Hosting;

namespace Ocm.Data;

/// <summary>
/// A server-wide secret every node must share (e.g. the key of received shares' secrets), sealed with the
/// <see cref="DeploymentSecret"/> and bound to its name. Created once; whichever node creates it first wins.
/// </summary>
internal sealed class ServerSecret
{
    private const string SealPurpose = "server secrets";

    public required string Name { get; init; }

    public required string Value { get; init; }

    /// <summary>The secret <paramref name="name"/>, created from <paramref name="create"/> when the database has none.</summary>
    public static async Task<byte[]> GetOrCreateAsync(
        IServiceScopeFactory scopes, DeploymentSecret deployment, string name, Func<byte[]> create, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        for (var attempt = 0; ; attempt++)
        {
            var stored = await db.Set<ServerSecret>().AsNoTracking().Where(s => s.Name == name).Select(s => s.Value).FirstOrDefaultAsync(cancellationToken);
            if (stored is not null)
            {
                try
                {
                    return deployment.Open(SealPurpose, name, stored);
                }
                catch (DeploymentSecretMismatchException ex)
                {
                    throw new OcmStartupException($"cannot read the server secret '{name}': {ex.Message}", StartupFailures.ExitConfiguration, ex);
                }
            }

            if (attempt > 0)
            {
                throw new InvalidOperationException($"The server secret '{name}' was neither found nor created.");
            }

            // Nodes starting together race to create it: the first insert wins, the others insert nothing (no error,
            // so nothing is logged as a failure) and read the winner's on the next pass.
            var sealedValue = deployment.Seal(SealPurpose, name, create());
            using (await scope.ServiceProvider.GetRequiredService<DatabaseWriteGate>().EnterAsync(cancellationToken))
            {
                await db.Database.ExecuteSqlAsync(
                    $"""INSERT INTO server_secrets ("Name", "Value") VALUES ({name}, {sealedValue}) ON CONFLICT ("Name") DO NOTHING""",
                    cancellationToken);
            }
        }
    }
}

internal sealed class ServerSecretConfiguration : IEntityTypeConfiguration<ServerSecret>
{
    public void Configure(EntityTypeBuilder<ServerSecret> builder)
    {
        builder.ToTable("server_secrets");
        builder.HasKey(s => s.Name);
        builder.Property(s => s.Name).HasMaxLength(100);
    }
}
