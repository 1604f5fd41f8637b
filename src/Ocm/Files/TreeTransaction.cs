using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>A transaction that holds one owner's tree still: what every change of files, properties or locks runs in.</summary>
internal static class TreeTransaction
{
    public static async Task<IDbContextTransaction> BeginAsync(OcmDb db, long ownerId, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            // Touching the owner's root row takes its row lock, which serialises writers of one tree on PostgreSQL
            // (SQLite's BEGIN IMMEDIATE already holds the database write lock). Everything read after this is current.
            await db.Set<FileNode>().Where(n => n.OwnerId == ownerId && n.ParentId == null)
                .ExecuteUpdateAsync(s => s.SetProperty(n => n.Size, n => n.Size), cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }
}
