using Microsoft.Extensions.DependencyInjection;
using Ocm.Data;
using Ocm.Files;
using Ocm.Tests.Infrastructure;
using Ocm.Users;

namespace Ocm.Tests.WebDav;

/// <summary>A scripted cadaver 0.24 session (credentials from ~/.netrc, commands on stdin); results checked in the server's tree.</summary>
public sealed class CadaverInterop
{
    [Fact]
    public async Task Cadaver_ScriptedSession_ChangesTheServerTree()
    {
        await using var server = await OcmTestServer.StartAsync(settings: TestUsers.Settings());
        await TestUsers.CreateAsync(server, "carol");
        var home = TempDirectory.Create("cadaver-home");
        try
        {
            var netrc = Path.Combine(home, ".netrc");
            await File.WriteAllTextAsync(netrc, $"machine {server.BaseUri.Host} login carol password {TestUsers.Password}\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(netrc, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            await File.WriteAllTextAsync(Path.Combine(home, "upload.txt"), "uploaded by cadaver\n");
            await File.WriteAllTextAsync(Path.Combine(home, "second.txt"), "to be deleted\n");

            var script = string.Join('\n',
                "mkcol reports",
                "put upload.txt reports/first.txt",
                "put second.txt reports/second.txt",
                "ls reports",
                "get reports/first.txt downloaded.txt",
                "move reports/first.txt reports/renamed.txt",
                "delete reports/second.txt",
                "mkcol attic",
                "move attic reports/attic",
                "ls",
                "quit",
                "");
            var result = await Tool.RunAsync(
                "cadaver",
                [new Uri(server.BaseUri, "dav/files/carol/").ToString()],
                workingDirectory: home,
                environment: new Dictionary<string, string> { ["HOME"] = home },
                standardInput: script,
                timeout: TimeSpan.FromMinutes(2));

            Assert.True(result.ExitCode == 0, result.All);
            Assert.DoesNotContain("failed", result.Output, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("first.txt", result.Output);
            Assert.Equal("uploaded by cadaver\n", await File.ReadAllTextAsync(Path.Combine(home, "downloaded.txt")));

            await using var scope = server.Services.CreateAsyncScope();
            var tree = scope.ServiceProvider.GetRequiredService<FileTree>();
            var ownerId = scope.ServiceProvider.GetRequiredService<OcmDb>().Set<User>().Single(u => u.Name == "carol").Id;
            var reports = await Find(tree, ownerId, "reports");
            Assert.True(reports!.IsFolder);
            var renamed = await Find(tree, ownerId, "reports/renamed.txt");
            Assert.NotNull(renamed);
            Assert.Equal("uploaded by cadaver\n".Length, renamed.Size);
            Assert.Null(await Find(tree, ownerId, "reports/first.txt"));
            Assert.Null(await Find(tree, ownerId, "reports/second.txt"));
            Assert.True((await Find(tree, ownerId, "reports/attic"))!.IsFolder);
            Assert.Null(await Find(tree, ownerId, "attic"));
            Assert.Equal(renamed.Size, reports.Size);
        }
        finally
        {
            TempDirectory.Delete(home);
        }
    }

    private static Task<FileNode?> Find(FileTree tree, long ownerId, string path)
    {
        Assert.Equal(PathError.None, StoragePath.TryParse(path, out var storagePath));
        return tree.FindAsync(ownerId, storagePath, default);
    }
}
