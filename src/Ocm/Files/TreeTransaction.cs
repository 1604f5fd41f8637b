using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Ocm.Data;

namespace Ocm.Files;

/// <summary>
/// A transaction that holds one owner's tree still: what every change of files, properties or locks runs in. Ended by
/// <see cref="CommitAsync"/>; disposing it without a commit rolls back.
/// </summary>
internal sealed class TreeTransaction : IAsyncDisposable
{
    private readonly IDbContextTransaction _transaction;
    private readonly DatabaseWriteGate.Turn _turn;

    private TreeTransaction(IDbContextTransaction transaction, DatabaseWriteGate.Turn turn)
    {
        _transaction = transaction;
        _turn = turn;
    }

    public static async Task<TreeTransaction> BeginAsync(OcmDb db, DatabaseWriteGate gate, long ownerId, CancellationToken cancellationToken)
    {
        var turn = await gate.EnterAsync(cancellationToken);
        IDbContextTransaction? transaction = null;
        try
        {
            transaction = await db.Database.BeginTransactionAsync(cancellationToken);

            // On PostgreSQL, touching the owner's root row takes its row lock, which serialises writers of one tree.
            // SQLite needs nothing more: its BEGIN IMMEDIATE holds the database write lock (and the gate keeps this
            // process's writers in line). Either way everything read after this is current.
            if (!gate.Serializes)
            {
                await db.Set<FileNode>().Where(n => n.OwnerId == ownerId && n.ParentId == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(n => n.Size, n => n.Size), cancellationToken);
            }

            return new TreeTransaction(transaction, turn);
        }
        catch
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            turn.Dispose();
            throw;
        }
    }

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _transaction.DisposeAsync();
        }
        finally
        {
            _turn.Dispose();
        }
    }
}
