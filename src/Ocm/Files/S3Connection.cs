using System.Globalization;
using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Ocm.Files;

/// <summary>
/// The one S3 client of the process and the bucket it works in, shared by <see cref="S3FileStore"/> (file contents)
/// and the sync clients' chunk store. Every failure of the object store (refused, unreachable, timed out) surfaces as an
/// <see cref="IOException"/> whose message names the operation and the store's error code but never a key or a secret,
/// so callers treat it like a failing disk; a missing object is a <see cref="FileNotFoundException"/>.
/// </summary>
internal sealed class S3Connection : IDisposable
{
    private readonly SemaphoreSlim _ensureLock = new(1, 1);
    private bool _ensured;

    /// <param name="options">Where the store is and how to talk to it.</param>
    /// <param name="httpClientFactory">The SDK's own HTTP clients when null; tests pass one that counts what goes over the wire.</param>
    public S3Connection(S3StorageOptions options, HttpClientFactory? httpClientFactory = null)
    {
        Options = options;
        Name = options.Bucket!;
        var config = new AmazonS3Config
        {
            ServiceURL = options.ServiceUrl,
            AuthenticationRegion = options.Region,
            ForcePathStyle = options.ForcePathStyle,
            RequestChecksumCalculation = options.RequestChecksumCalculation == S3ChecksumMode.WhenSupported
                ? RequestChecksumCalculation.WHEN_SUPPORTED
                : RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = options.ResponseChecksumValidation == S3ChecksumMode.WhenSupported
                ? ResponseChecksumValidation.WHEN_SUPPORTED
                : ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (httpClientFactory is not null)
        {
            config.HttpClientFactory = httpClientFactory;
        }

        Client = new AmazonS3Client(new BasicAWSCredentials(options.AccessKey, options.SecretKey), config);
    }

    public S3StorageOptions Options { get; }

    public string Name { get; }

    public IAmazonS3 Client { get; }

    /// <summary>Where the store is, said for people (no credentials): <c>bucket ocm at http://127.0.0.1:7480</c>.</summary>
    public string Description => $"bucket {Name} at {Options.ServiceUrl}";

    /// <summary>Creates the bucket on first use when it does not exist (once per process).</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_ensured)
        {
            return;
        }

        await _ensureLock.WaitAsync(cancellationToken);
        try
        {
            if (_ensured)
            {
                return;
            }

            await CallAsync("look for the bucket", async () =>
            {
                try
                {
                    await Client.HeadBucketAsync(new HeadBucketRequest { BucketName = Name }, cancellationToken);
                }
                catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound)
                {
                    try
                    {
                        await Client.PutBucketAsync(new PutBucketRequest { BucketName = Name }, cancellationToken);
                    }
                    catch (AmazonS3Exception created) when (created.ErrorCode == "BucketAlreadyOwnedByYou")
                    {
                        // Another node created it at the same moment.
                    }
                }
            });
            _ensured = true;
        }
        finally
        {
            _ensureLock.Release();
        }
    }

    /// <summary>Runs one call to the store; its failures become <see cref="IOException"/>s (see the class comment).</summary>
    public async Task<T> CallAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is "NoSuchKey" or "NotFound" or null or "")
        {
            throw new FileNotFoundException($"The object store has no such object ({what}).", ex);
        }
        catch (AmazonServiceException ex)
        {
            throw new IOException(
                $"The object store ({Description}) refused to {what}: {(int)ex.StatusCode} {ex.ErrorCode}.", ex);
        }
        catch (AmazonClientException ex)
        {
            throw new IOException($"The object store ({Description}) could not {what}: {StatusLine(ex)}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new IOException($"The object store ({Description}) could not be reached to {what}: {StatusLine(ex)}.", ex);
        }
        catch (TaskCanceledException ex) when (ex.InnerException is TimeoutException)
        {
            throw new IOException($"The object store ({Description}) did not answer in time to {what}.", ex);
        }
    }

    public Task CallAsync(string what, Func<Task> call) => CallAsync<bool>(what, async () =>
    {
        await call();
        return true;
    });

    /// <summary>Every object below <paramref name="prefix"/>, in key order, page by page.</summary>
    public async IAsyncEnumerable<S3Object> ListAsync(string prefix, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await CallAsync("list objects", () => Client.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = Name, Prefix = prefix, ContinuationToken = token }, cancellationToken));
            foreach (var item in page.S3Objects ?? [])
            {
                yield return item;
            }

            token = page.IsTruncated == true ? page.NextContinuationToken : null;
        }
        while (token is not null);
    }

    /// <summary>Deletes objects, up to 1000 per request (DeleteObjects); missing ones are not an error.</summary>
    public async Task<int> DeleteManyAsync(IReadOnlyList<string> keys, CancellationToken cancellationToken)
    {
        var deleted = 0;
        foreach (var batch in keys.Chunk(1000))
        {
            var response = await CallAsync("delete objects", () => Client.DeleteObjectsAsync(
                new DeleteObjectsRequest { BucketName = Name, Quiet = true, Objects = batch.Select(k => new KeyVersion { Key = k }).ToList() },
                cancellationToken));
            deleted += batch.Length - (response.DeleteErrors?.Count ?? 0);
        }

        return deleted;
    }

    /// <summary>Deletes one object; a missing one is not an error (S3 answers 204 either way).</summary>
    public Task DeleteAsync(string key, CancellationToken cancellationToken) =>
        CallAsync("delete an object", () => Client.DeleteObjectAsync(new DeleteObjectRequest { BucketName = Name, Key = key }, cancellationToken));

    /// <summary>Aborts multipart uploads below <paramref name="prefix"/> started before <paramref name="before"/>; returns how many.</summary>
    public async Task<int> AbortStaleUploadsAsync(string prefix, DateTime before, CancellationToken cancellationToken)
    {
        var aborted = 0;
        string? keyMarker = null;
        string? uploadMarker = null;
        while (true)
        {
            var page = await CallAsync("list multipart uploads", () => Client.ListMultipartUploadsAsync(
                new ListMultipartUploadsRequest { BucketName = Name, Prefix = prefix, KeyMarker = keyMarker, UploadIdMarker = uploadMarker },
                cancellationToken));
            foreach (var upload in page.MultipartUploads ?? [])
            {
                if (upload.Initiated is DateTime initiated && initiated.ToUniversalTime() < before)
                {
                    await AbortAsync(upload.Key, upload.UploadId, cancellationToken);
                    aborted++;
                }
            }

            if (page.IsTruncated != true)
            {
                return aborted;
            }

            keyMarker = page.NextKeyMarker;
            uploadMarker = page.NextUploadIdMarker;
        }
    }

    /// <summary>Abandons a multipart upload: the store discards its parts. Never throws (the sweep retries).</summary>
    public async Task AbortAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await Client.AbortMultipartUploadAsync(new AbortMultipartUploadRequest { BucketName = Name, Key = key, UploadId = uploadId }, cancellationToken);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or OperationCanceledException)
        {
        }
    }

    /// <summary>An object's length; <see cref="FileNotFoundException"/> when it does not exist.</summary>
    public async Task<long> LengthAsync(string key, CancellationToken cancellationToken)
    {
        var head = await CallAsync("read an object's metadata", () => Client.GetObjectMetadataAsync(
            new GetObjectMetadataRequest { BucketName = Name, Key = key }, cancellationToken));
        return head.ContentLength;
    }

    public static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        Client.Dispose();
        _ensureLock.Dispose();
    }

    private static string StatusLine(Exception ex) => Hosting.StartupFailures.OneLine(Hosting.StartupFailures.Innermost(ex).Message).TrimEnd('.');
}
