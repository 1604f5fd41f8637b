using Ocm.Hosting;

namespace Ocm.Data;

/// <summary>
/// SQLite serves one node: a second <c>ocm serve</c> on the same database file would run its own outbox, sweeps and
/// leases on a clock and a file that are not shared the way PostgreSQL's are (docs/deployment.md). The first server
/// holds an exclusive lock on <c>ocm.db.serve-lock</c> beside the database while it runs (the operating system drops it
/// when the process ends, also on a crash); a second is refused with a clear message. Offline commands
/// (<c>ocm user …</c>) do not take it: they may run beside the server.
/// </summary>
internal sealed class SqliteNodeLock(DatabaseLocation location) : IDisposable
{
    private FileStream? _held;

    public void Acquire()
    {
        if (_held is not null || location.SqliteFile is not { } database)
        {
            return;
        }

        var path = database + ".serve-lock";
        try
        {
            // FileShare.None is an exclusive advisory lock (flock) on Unix, a sharing lock on Windows.
            _held = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex) when (ex is not DirectoryNotFoundException && File.Exists(path))
        {
            throw new OcmStartupException(
                $"another 'ocm serve' already uses the SQLite database {database}; SQLite serves a single node: to run several nodes, give them one PostgreSQL database (Ocm:Database:Provider=postgres)",
                StartupFailures.ExitEnvironment,
                ex);
        }
        catch (DirectoryNotFoundException)
        {
            // The database's directory does not exist yet; SQLite reports that itself when it opens it.
        }
    }

    public void Dispose()
    {
        _held?.Dispose();
        _held = null;
    }
}
