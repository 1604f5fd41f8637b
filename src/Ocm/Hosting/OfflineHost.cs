using System.CommandLine;
using Ocm.Data;

namespace Ocm.Hosting;

/// <summary>
/// For admin commands that work on the data directory directly (<c>ocm user …</c>, <c>ocm keys …</c>): the same
/// configuration and services as <c>ocm serve</c>, the database migrated, no listening socket. Safe while the server
/// runs (SQLite in WAL mode, PostgreSQL). A directory (or PostgreSQL database) without Ocm data is refused unless
/// <c>--init</c> asks to create it: a mistyped <c>--data-dir</c>, or a command run in the wrong folder, must not
/// quietly start a second, empty server's worth of data.
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

    /// <summary>Opens the data directory; every reason it cannot be used is an <see cref="OcmStartupException"/>.</summary>
    public static async Task<OfflineHost> OpenAsync(
        DataDirOptions options, ParseResult parse, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var flags = ServeCommand.Flags(urls: null, parse.GetValue(options.DataDir), parse.GetValue(options.PublicUrl));
        WebApplication? app = null;
        try
        {
            app = OcmServer.Build(flags, overrides, CommandLogging.Apply);
            var dataDir = app.Services.GetRequiredService<OcmServerInfo>().DataDir;
            if (parse.GetValue(options.Init))
            {
                await app.Services.EnsureDatabaseReachableAsync(cancellationToken);
                DataDirectory.Prepare(dataDir);
            }
            else
            {
                await EnsureOcmDataAsync(app.Services, dataDir, cancellationToken);
            }

            app.Services.GetRequiredService<DeploymentSecret>().EnsureLoaded();
            await app.Services.MigrateOcmDatabaseAsync(cancellationToken);
            await app.Services.InitializeOcmDataAsync(cancellationToken);
            return new OfflineHost(app);
        }
        catch (Exception ex) when (StartupFailures.Describe(ex) is { } failure)
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            throw failure;
        }
    }

    private static async Task EnsureOcmDataAsync(IServiceProvider services, string dataDir, CancellationToken cancellationToken)
    {
        var database = services.GetRequiredService<DatabaseLocation>();
        const string Fix = "Pass --data-dir with the data directory of your server (ocm serve uses ./data of the folder it was started in), "
            + "or add --init to create a new one";
        if (!await services.HoldsOcmDataAsync(cancellationToken))
        {
            throw new OcmStartupException(
                database.SqliteFile is { } file
                    ? $"{dataDir} holds no Ocm data ({(Directory.Exists(dataDir) ? $"there is no database {file}" : "it does not exist")}). {Fix}"
                    : $"the PostgreSQL {database.Description} holds no Ocm data. Check Ocm:Database:ConnectionString, or add --init to create Ocm's tables there",
                StartupFailures.ExitConfiguration);
        }

        if (!Directory.Exists(dataDir))
        {
            // The database lives elsewhere (PostgreSQL), but keys and files live here: a new directory would mean new keys.
            throw new OcmStartupException(
                $"the data directory {dataDir} does not exist, although the database ({database.Description}) holds Ocm data. {Fix}",
                StartupFailures.ExitConfiguration);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _scope.DisposeAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The <c>--data-dir</c>, <c>--public-url</c> and <c>--init</c> flags every offline admin command takes.</summary>
internal sealed class DataDirOptions
{
    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Data directory, as for 'ocm serve' (default: Ocm:DataDir from the configuration, else ./data).",
        HelpName = "dir",
    };

    public Option<string?> PublicUrl { get; } = new("--public-url") { Description = "Externally visible base URL, as for 'ocm serve'.", HelpName = "url" };

    public Option<bool> Init { get; } = new("--init")
    {
        Description = "Create the data directory and database if they do not exist yet (as the first 'ocm serve' does). Without it, a directory holding no Ocm data is refused.",
    };

    /// <summary>Adds the options to <paramref name="command"/> and returns them for reading.</summary>
    public static DataDirOptions AddTo(Command command)
    {
        var options = new DataDirOptions();
        command.Options.Add(options.DataDir);
        command.Options.Add(options.PublicUrl);
        command.Options.Add(options.Init);
        return options;
    }
}
