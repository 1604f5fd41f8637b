using Npgsql;

namespace Ocm.Data;

/// <summary>Work that several <c>ocm serve</c> nodes on one database must do one at a time.</summary>
internal enum ClusterTask
{
    /// <summary>Applying migrations: two nodes creating the same table fail with <c>42P07 relation … already exists</c>.</summary>
    Migrations = 1,

    /// <summary>Creating the first admin: exactly one node creates it and prints its password.</summary>
    FirstAdmin = 2,

    /// <summary>The start-up sweep of unreferenced file contents.</summary>
    StorageSweep = 3,

    /// <summary>The periodic sweep of abandoned chunked uploads.</summary>
    ChunkSweep = 4,

    /// <summary>The periodic sync of LDAP directory accounts (Identity/Ldap/LdapSync.cs).</summary>
    DirectorySync = 5,

    /// <summary>The periodic expiry of file versions (Files/VersionExpiry.cs).</summary>
    VersionExpiry = 6,
}

/// <summary>
/// Mutual exclusion between the nodes of a cluster. On PostgreSQL a session-level advisory lock
/// (PostgreSQL docs §13.3.5 "Advisory Locks") on a connection of its own: the database releases it when the connection
/// ends, so a node killed while holding it blocks nobody. SQLite serves one node only (a second is refused at start),
/// so there a lock within the process suffices.
/// </summary>
internal sealed class ClusterLocks(DatabaseLocation location)
{
    // "OCM" in the high bytes, so that our keys do not collide with another application's on a shared database.
    private const long KeyBase = 0x4F434D_0000000000;

    private readonly Dictionary<ClusterTask, SemaphoreSlim> _local = Enum.GetValues<ClusterTask>().ToDictionary(t => t, _ => new SemaphoreSlim(1, 1));

    /// <summary>Waits until this node holds <paramref name="task"/>; dispose the result to let the next node in.</summary>
    public Task<IAsyncDisposable> AcquireAsync(ClusterTask task, CancellationToken cancellationToken) =>
        AcquireCoreAsync(task, wait: true, cancellationToken)!;

    /// <summary>Holds <paramref name="task"/> if no other node does; null when another one is at it.</summary>
    public Task<IAsyncDisposable?> TryAcquireAsync(ClusterTask task, CancellationToken cancellationToken) =>
        AcquireCoreAsync(task, wait: false, cancellationToken);

    private async Task<IAsyncDisposable?> AcquireCoreAsync(ClusterTask task, bool wait, CancellationToken cancellationToken)
    {
        var local = _local[task];
        if (wait)
        {
            await local.WaitAsync(cancellationToken);
        }
        else if (!await local.WaitAsync(0, cancellationToken))
        {
            return null;
        }

        if (location.PostgresConnectionString is not { } connectionString)
        {
            return new Held(local, null, 0);
        }

        // Not pooled: a pooled connection would keep a session lock until its reset at the next use.
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, CommandTimeout = 0 }.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            var key = KeyBase + (long)task;
            await using var command = new NpgsqlCommand(wait ? "SELECT pg_advisory_lock(@key), true" : "SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", key);
            if (wait)
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            else if (await command.ExecuteScalarAsync(cancellationToken) is not true)
            {
                await connection.DisposeAsync();
                local.Release();
                return null;
            }

            return new Held(local, connection, key);
        }
        catch
        {
            await connection.DisposeAsync();
            local.Release();
            throw;
        }
    }

    private sealed class Held(SemaphoreSlim local, NpgsqlConnection? connection, long key) : IAsyncDisposable
    {
        private int _disposed;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }

            try
            {
                if (connection is not null)
                {
                    // Closing the (unpooled) connection ends the session and so releases the lock; unlocking first
                    // says so explicitly and costs one round trip.
                    try
                    {
                        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
                        command.Parameters.AddWithValue("key", key);
                        await command.ExecuteNonQueryAsync(CancellationToken.None);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
                    {
                        // The connection broke: the server has released the lock with the session.
                    }

                    await connection.DisposeAsync();
                }
            }
            finally
            {
                local.Release();
            }
        }
    }
}
