using System.Data.Common;
using Amazon.S3;
using Amazon.S3.Model;
using Ocm.Files;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// A bucket of its own in the S3 object store test.sh starts (a Ceph RADOS Gateway, <c>scripts/ceph-rgw.sh</c>), read
/// from <c>OCM_TEST_S3</c> (<c>ServiceUrl=…;AccessKey=…;SecretKey=…</c>). Without it the S3 tests fail with a clear
/// message, they never skip. Disposing empties and removes the bucket.
/// </summary>
internal sealed class TestObjectStore : IAsyncDisposable
{
    private TestObjectStore(S3StorageOptions options)
    {
        Options = options;
        Connection = new S3Connection(options);
    }

    public S3StorageOptions Options { get; }

    /// <summary>A connection of the test's own, to look into the bucket.</summary>
    public S3Connection Connection { get; }

    public IAmazonS3 Client => Connection.Client;

    public string Bucket => Options.Bucket!;

    /// <summary>A fresh, not yet existing bucket (Ocm creates it at first use).</summary>
    public static TestObjectStore Create(long? partSizeBytes = null)
    {
        var value = Environment.GetEnvironmentVariable("OCM_TEST_S3");
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException(
                "OCM_TEST_S3 is not set: run the tests through ./test.sh, which starts a throw-away Ceph RADOS Gateway (scripts/ceph-rgw.sh).");
        }

        var parts = new DbConnectionStringBuilder { ConnectionString = value };
        string Part(string name) => parts.TryGetValue(name, out var v) && v is string s && s.Length > 0
            ? s
            : throw new InvalidOperationException($"OCM_TEST_S3 has no {name}=…");
        var options = new S3StorageOptions
        {
            ServiceUrl = Part("ServiceUrl"),
            AccessKey = Part("AccessKey"),
            SecretKey = Part("SecretKey"),
            Bucket = "ocm-test-" + Guid.NewGuid().ToString("N")[..16],
        };
        if (partSizeBytes is long size)
        {
            options = options with { PartSizeBytes = size };
        }

        return new TestObjectStore(options);
    }

    /// <summary>The settings that make a server keep its contents in this bucket.</summary>
    public Dictionary<string, string?> ServerSettings() => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Ocm:Storage:Provider"] = "s3",
        ["Ocm:Storage:S3:ServiceUrl"] = Options.ServiceUrl,
        ["Ocm:Storage:S3:Bucket"] = Bucket,
        ["Ocm:Storage:S3:AccessKey"] = Options.AccessKey,
        ["Ocm:Storage:S3:SecretKey"] = Options.SecretKey,
        ["Ocm:Storage:S3:PartSizeBytes"] = Options.PartSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The same as <c>OCM_…</c> environment variables, for an <c>ocm</c> process.</summary>
    public Dictionary<string, string> EnvironmentVariables() => ServerSettings().ToDictionary(
        s => "OCM_" + s.Key["Ocm:".Length..].Replace(":", "__", StringComparison.Ordinal).ToUpperInvariant(), s => s.Value!);

    /// <summary>Every object key in the bucket (none when the bucket does not exist yet).</summary>
    public async Task<List<string>> KeysAsync(string prefix = "")
    {
        var keys = new List<string>();
        try
        {
            await foreach (var item in Connection.ListAsync(prefix, CancellationToken.None))
            {
                keys.Add(item.Key);
            }
        }
        catch (IOException ex) when (ex.InnerException is AmazonS3Exception { ErrorCode: "NoSuchBucket" })
        {
        }

        return keys;
    }

    /// <summary>Whether the bucket exists (Ocm creates it at first use).</summary>
    public async Task<bool> ExistsAsync()
    {
        try
        {
            await Client.HeadBucketAsync(new HeadBucketRequest { BucketName = Bucket });
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Multipart uploads started and neither completed nor aborted.</summary>
    public async Task<int> OpenUploadsAsync()
    {
        var page = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket });
        return page.MultipartUploads?.Count ?? 0;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var keys = await KeysAsync();
            await Connection.DeleteManyAsync(keys, CancellationToken.None);
            var uploads = await Client.ListMultipartUploadsAsync(new ListMultipartUploadsRequest { BucketName = Bucket });
            foreach (var upload in uploads.MultipartUploads ?? [])
            {
                await Connection.AbortAsync(upload.Key, upload.UploadId, CancellationToken.None);
            }

            await Client.DeleteBucketAsync(new DeleteBucketRequest { BucketName = Bucket });
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchBucket")
        {
        }
        finally
        {
            Connection.Dispose();
        }
    }
}
