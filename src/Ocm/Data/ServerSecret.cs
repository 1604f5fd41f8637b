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

            var value = create();
            db.Add(new ServerSecret { Name = name, Value = deployment.Seal(SealPurpose, name, value) });
            try
            {
                using var turn = await scope.ServiceProvider.GetRequiredService<DatabaseWriteGate>().EnterAsync(cancellationToken);
                await db.SaveChangesAsync(cancellationToken);
                return value;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Another node created it at the same moment: use theirs.
                db.ChangeTracker.Clear();
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
