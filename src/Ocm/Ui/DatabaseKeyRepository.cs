using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Ocm.Data;
using Ocm.Hosting;

namespace Ocm.Ui;

/// <summary>
/// Stores the Data Protection key ring (it encrypts session cookies, anti-forgery tokens and flash messages) in the
/// database, so a session started on one node continues on every other. Each key's XML is sealed whole with the
/// <see cref="DeploymentSecret"/> (AES-256-GCM) before it is stored: a database dump does not let anyone forge a
/// session cookie. The framework asks for the ring at start and when it meets a key it does not know (another node's
/// new key), so reading it is rare. The key files of an older data directory (<c>keys/dataprotection/*.xml</c>) are
/// imported once, on the first start against a database without keys, so signed-in users stay signed in.
/// </summary>
internal sealed class DatabaseKeyRepository(IServiceScopeFactory scopes, DeploymentSecret deployment, DatabaseWriteGate writeGate, string legacyDirectory)
    : IXmlRepository, IOcmDataInitializer
{
    private const string SealPurpose = "data protection keys";

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        return db.Set<DataProtectionKeyRecord>().AsNoTracking().OrderBy(k => k.Id).ToList()
            .Select(k => XElement.Parse(deployment.OpenString(SealPurpose, k.FriendlyName, k.Xml)))
            .ToList();
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        db.Add(new DataProtectionKeyRecord { FriendlyName = friendlyName, Xml = deployment.Seal(SealPurpose, friendlyName, element.ToString(SaveOptions.DisableFormatting)) });
        using var turn = writeGate.Enter();
        db.SaveChanges();
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(legacyDirectory))
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OcmDb>();
        if (await db.Set<DataProtectionKeyRecord>().AnyAsync(cancellationToken))
        {
            return;
        }

        foreach (var file in Directory.EnumerateFiles(legacyDirectory, "*.xml"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var xml = XElement.Parse(await File.ReadAllTextAsync(file, cancellationToken)).ToString(SaveOptions.DisableFormatting);
            db.Add(new DataProtectionKeyRecord { FriendlyName = name, Xml = deployment.Seal(SealPurpose, name, xml) });
        }

        using var turn = await writeGate.EnterAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }
}

/// <summary>One Data Protection key: its XML sealed with the deployment secret, bound to its friendly name.</summary>
internal sealed class DataProtectionKeyRecord
{
    public long Id { get; init; }

    public required string FriendlyName { get; init; }

    public required string Xml { get; init; }
}

internal sealed class DataProtectionKeyRecordConfiguration : IEntityTypeConfiguration<DataProtectionKeyRecord>
{
    public void Configure(EntityTypeBuilder<DataProtectionKeyRecord> builder)
    {
        builder.ToTable("data_protection_keys");
        builder.Property(k => k.FriendlyName).HasMaxLength(200);
    }
}
