using System.Security.Cryptography;
using System.Text;
using Ocm.Tests.Infrastructure;

#pragma warning disable CA5350 // SHA-1 is what rclone and the server compare; nothing here is security.

namespace Ocm.Tests.WebDav;

/// <summary>
/// rclone 1.60 (Debian, WebDAV backend) copies a tree of 500 files — nested folders, Unicode and space-containing
/// names, empty files and one 1 GiB file — up to a real <c>ocm serve</c> process and back down, with vendor
/// <c>other</c> and <c>nextcloud</c>; <c>rclone check</c> finds no difference and the SHA-1 sums the server reports
/// (<c>oc:checksums</c>) match the local files.
/// </summary>
public sealed class RcloneInterop
{
    private const string Password = "rclone-pass-123";
    private const long BigFileSize = 1L << 30;

    [Fact]
    public async Task Rclone_CopiesTreeUpAndDown_NoDifferencesAndMatchingSha1()
    {
        var dataDir = TempDirectory.Create("ocm-rclone");
        try
        {
            var add = await OcmProcess.RunAsync(["user", "add", "sync", "--password", Password, "--data-dir", dataDir, "--init"], OcmProcess.Quiet);
            Assert.True(add.ExitCode == 0, add.All);
            await using var server = await OcmProcess.StartServeAsync("127.0.0.1", dataDir, OcmProcess.Quiet);
            await AssertRoundTripAsync(new Uri(server.BaseUri, "remote.php/dav/files/sync/"), "sync", Password);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    /// <summary>
    /// Copies the 500-file tree (with the 1 GiB file) up to <paramref name="davRoot"/> and back down with rclone, and
    /// fails the test unless rclone finds no difference, the server's SHA-1 sums match and the copy back is byte-identical.
    /// </summary>
    internal static async Task AssertRoundTripAsync(Uri davRoot, string user, string password)
    {
        var work = TempDirectory.Create("rclone-work");
        try
        {
            var local = Path.Combine(work, "local");
            var expected = CreateTree(local);
            Assert.Equal(500, expected.Count);

            var obscured = (await Tool.RunAsync("rclone", ["obscure", password])).Output.Trim();
            var configFile = Path.Combine(work, "rclone.conf");
            await File.WriteAllTextAsync(configFile, "");

            Dictionary<string, string> Env(string vendor) => new()
            {
                ["RCLONE_CONFIG"] = configFile,
                ["RCLONE_WEBDAV_URL"] = davRoot.ToString(),
                ["RCLONE_WEBDAV_VENDOR"] = vendor,
                ["RCLONE_WEBDAV_USER"] = user,
                ["RCLONE_WEBDAV_PASS"] = obscured,
            };

            async Task<Tool.Result> Rclone(string vendor, params string[] args)
            {
                var result = await Tool.RunAsync("rclone", [.. args, "--transfers", "4", "--checkers", "8"], environment: Env(vendor), timeout: TimeSpan.FromMinutes(10));
                Assert.True(result.ExitCode == 0, $"rclone {string.Join(' ', args)} ({vendor}) exited {result.ExitCode}:\n{result.All}");
                return result;
            }

            // Up with vendor "other" (plain WebDAV), then compare: sizes only, as rclone finds no common hash there.
            await Rclone("other", "copy", local, ":webdav:tree");
            var otherCheck = await Rclone("other", "check", local, ":webdav:tree");
            Assert.Contains("0 differences found", otherCheck.All);

            // With vendor "nextcloud" rclone reads oc:checksums and compares SHA-1 sums.
            var nextcloudCheck = await Rclone("nextcloud", "check", local, ":webdav:tree");
            Assert.Contains("0 differences found", nextcloudCheck.All);
            Assert.Contains("500 matching files", nextcloudCheck.All);
            Assert.DoesNotContain("No common hash", nextcloudCheck.All);

            var remoteSums = ParseSums((await Rclone("nextcloud", "hashsum", "sha1", ":webdav:tree")).Output);
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), remoteSums.Keys.Order(StringComparer.Ordinal));
            foreach (var (path, file) in expected)
            {
                Assert.True(file.Sha1 == remoteSums[path], $"SHA-1 of {path}: local {file.Sha1}, server {remoteSums[path]}");
            }

            // Down again (vendor nextcloud verifies each download against the server's SHA-1), then byte-compare.
            var back = Path.Combine(work, "back");
            await Rclone("nextcloud", "copy", ":webdav:tree", back);
            foreach (var (path, file) in expected)
            {
                var copy = Path.Combine(back, path);
                Assert.True(File.Exists(copy), $"{path} was not downloaded");
                Assert.Equal(file.Size, new FileInfo(copy).Length);
                Assert.Equal(file.Sha256, await Sha256Async(copy));
            }

            Assert.Equal(expected.Count, Directory.EnumerateFiles(back, "*", SearchOption.AllDirectories).Count());
        }
        finally
        {
            TempDirectory.Delete(work);
        }
    }

    private sealed record LocalFile(long Size, string Sha1, string Sha256);

    /// <summary>499 small files and one 1 GiB file with fixed, seeded contents; returns them by relative path.</summary>
    private static Dictionary<string, LocalFile> CreateTree(string root)
    {
        string[] folders =
        [
            "", "docs", "docs/sub dir", "docs/sub dir/deeper still", "Ünïcödé ✓", "Ünïcödé ✓/日本語のフォルダ", "emoji 😀",
            "deep/a/b/c/d/e", "with  two  spaces", "-dash start", "big",
        ];
        string[] stems = ["note", "Résumé", "file with spaces", "данные", "報告", "x", "a+b=c", "50% off", "semi;colon", "tab'quote"];
        var random = new Random(1234);
        var files = new Dictionary<string, LocalFile>(StringComparer.Ordinal);
        for (var i = 0; files.Count < 499; i++)
        {
            var folder = folders[i % (folders.Length - 1)];
            var name = $"{stems[i % stems.Length]} {i:D3}{(i % 7 == 0 ? "" : ".txt")}";
            var relative = folder.Length == 0 ? name : folder + "/" + name;
            var size = i % 25 == 0 ? 0 : random.Next(1, 64 * 1024);
            var content = new byte[size];
            random.NextBytes(content);
            var full = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllBytes(full, content);
            files[relative] = new LocalFile(size, Hex(SHA1.HashData(content)), Hex(SHA256.HashData(content)));
        }

        const string bigName = "big/large file 1GiB.bin";
        var bigPath = Path.Combine(root, bigName);
        Directory.CreateDirectory(Path.GetDirectoryName(bigPath)!);
        var block = new byte[1 << 20];
        new Random(99).NextBytes(block);
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using (var output = new FileStream(bigPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0))
        {
            for (var i = 0; i < BigFileSize / block.Length; i++)
            {
                // Each MiB differs, so a server mixing up blocks cannot match the checksums.
                block[0] = (byte)i;
                block[1] = (byte)(i >> 8);
                output.Write(block);
                sha1.AppendData(block);
                sha256.AppendData(block);
            }
        }

        files[bigName] = new LocalFile(BigFileSize, Hex(sha1.GetHashAndReset()), Hex(sha256.GetHashAndReset()));
        return files;
    }

    private static Dictionary<string, string> ParseSums(string output)
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // "<sha1>  <path>"
            var separator = line.IndexOf("  ", StringComparison.Ordinal);
            if (separator == 40)
            {
                sums[line[(separator + 2)..].TrimEnd('\r')] = line[..40];
            }
        }

        return sums;
    }

    private static async Task<string> Sha256Async(string path)
    {
        await using var stream = File.OpenRead(path);
        return Hex(await SHA256.HashDataAsync(stream));
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
