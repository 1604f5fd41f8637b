using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Options;
using Ocm.Data;
using Ocm.Hosting;

namespace Ocm.Files;

/// <summary><c>ocm storage …</c>: where file contents are stored.</summary>
internal static class StorageCommands
{
    public static Command Create() => new("storage", "Where file contents are stored: migrate from the local disk to an S3 object store.")
    {
        Migrate(),
    };

    private static Command Migrate()
    {
        var command = new Command(
            "migrate",
            "Copy every file's content from the local disk (Ocm:Files:Root, default {DataDir}/files) to the S3 object store of Ocm:Storage:S3, "
            + "checking each against its recorded SHA-256. Contents already there are skipped, so it can run again. Afterwards set "
            + "Ocm:Storage:Provider=s3 and restart the server.");
        var data = DataDirOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            try
            {
                await using var host = await OfflineHost.OpenAsync(data, parse, cancellationToken);
                var s3Options = host.Services.GetRequiredService<IConfiguration>().GetSection(S3StorageOptions.Section).Get<S3StorageOptions>() ?? new S3StorageOptions();
                var errors = s3Options.Validate().ToList();
                if (errors.Count > 0)
                {
                    throw StartupFailures.Describe(new OptionsValidationException(S3StorageOptions.Section, typeof(S3StorageOptions), errors))!;
                }

                using var connection = new S3Connection(s3Options);
                var services = host.Services;
                var target = new S3FileStore(connection, services.GetRequiredService<System.Security.Cryptography.RandomNumberGenerator>(), services.GetRequiredService<ILogger<S3FileStore>>());
                var migration = new StorageMigration(
                    services.GetRequiredService<OcmDb>(), services.GetRequiredService<LocalFileStore>(), target, services.GetRequiredService<ILogger<StorageMigration>>());
                await Console.Out.WriteLineAsync($"Migrating file contents to {connection.Description}.");
                var lastReport = DateTime.MinValue;
                var result = await migration.MigrateAsync(
                    (progress, problem) =>
                    {
                        if (problem is not null)
                        {
                            Console.Error.WriteLine("error: " + problem);
                        }

                        // One line at the start, every two seconds, and at the end.
                        var now = DateTime.UtcNow;
                        if (progress.FilesDone == 0 || progress.FilesDone == progress.FilesTotal || now - lastReport >= TimeSpan.FromSeconds(2))
                        {
                            lastReport = now;
                            Console.Out.WriteLine(FormattableString.Invariant(
                                $"{progress.FilesDone}/{progress.FilesTotal} files, {Bytes(progress.BytesDone)} of {Bytes(progress.BytesTotal)}"));
                        }
                    },
                    cancellationToken);
                await Console.Out.WriteLineAsync(FormattableString.Invariant(
                    $"Done: {result.Copied} copied, {result.Present} already there, {result.Failed} failed."));
                if (result.Failed > 0)
                {
                    await Console.Error.WriteLineAsync("error: some contents were not migrated (see above); keep Ocm:Storage:Provider=disk until they are");
                    return StartupFailures.ExitEnvironment;
                }

                await Console.Out.WriteLineAsync("Now set Ocm:Storage:Provider=s3 (OCM_STORAGE__PROVIDER=s3) and restart the server.");
                return 0;
            }
            catch (OcmStartupException ex)
            {
                await Console.Error.WriteLineAsync("error: " + ex.Message);
                return ex.ExitCode;
            }
            catch (IOException ex)
            {
                // The object store refused or could not be reached; the message names it, never a key or secret.
                await Console.Error.WriteLineAsync("error: " + StartupFailures.OneLine(ex.Message).TrimEnd('.') + ". Nothing is lost: run the command again");
                return StartupFailures.ExitEnvironment;
            }
        });
        return command;
    }

    private static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0.0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / (double)(1L << 10)).ToString("0.0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
