using System.CommandLine;
using Ocm.Data;

namespace Ocm.Hosting;

/// <summary>
/// For admin commands that work on the data directory directly (<c>ocm user …</c>, <c>ocm keys …</c>): the same
/// configuration and services as <c>ocm serve</c>, the database migrated, no listening socket. Safe while the server
/// runs (SQLite in WAL mode, PostgreSQL).
/// </summary>
internal sealed class OfflineHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AsyncServiceScope _scope;

    private OfflineHost(WebApplication app)
    {
        _app = app;
        _scope = app.Services.CreateAsyncScope();
    }

    /// <summary>Services of one scope (a <see cref="Data.OcmDb"/> etc.).</summary>
    public IServiceProvider Services => _scope.ServiceProvider;

    public static async Task<OfflineHost> OpenAsync(DataDirOptions options, ParseResult parse, CancellationToken cancellationToken)
    {
        var flags = ServeCommand.Flags(urls: null, parse.GetValue(options.DataDir), parse.GetValue(options.PublicUrl));
        var app = OcmServer.Build(flags, overrides: null, CommandLogging.Apply);
        await app.Services.MigrateOcmDatabaseAsync(cancellationToken);
        return new OfflineHost(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The <c>--data-dir</c> and <c>--public-url</c> flags every offline admin command takes, like <c>ocm serve</c>.</summary>
internal sealed class DataDirOptions
{
    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Data directory, as for 'ocm serve' (default: Ocm:DataDir from the configuration, else ./data).",
        HelpName = "dir",
    };

    public Option<string?> PublicUrl { get; } = new("--public-url") { Description = "Externally visible base URL, as for 'ocm serve'.", HelpName = "url" };

    /// <summary>Adds both options to <paramref name="command"/> and returns them for reading.</summary>
    public static DataDirOptions AddTo(Command command)
    {
        var options = new DataDirOptions();
        command.Options.Add(options.DataDir);
        command.Options.Add(options.PublicUrl);
        return options;
    }
}
