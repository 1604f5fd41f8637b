using Amazon.Runtime;

namespace Ocm.Tests.Infrastructure;

/// <summary>
/// HTTP clients for the S3 SDK that count the body bytes sent to and received from the object store, so a test can
/// tell a copy done inside the store from one that passed through the server.
/// </summary>
internal sealed class CountingS3Traffic : HttpClientFactory
{
    private long _sent;
    private long _received;

    public long BytesSent => Interlocked.Read(ref _sent);

    public long BytesReceived => Interlocked.Read(ref _received);

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) =>
        new(new Counter(this) { InnerHandler = new SocketsHttpHandler() });

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;

    private sealed class Counter(CountingS3Traffic counts) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Add(ref counts._sent, request.Content?.Headers.ContentLength ?? 0);
            var response = await base.SendAsync(request, cancellationToken);
            // A HEAD's Content-Length is the object's, not a body that came.
            if (request.Method != HttpMethod.Head)
            {
                Interlocked.Add(ref counts._received, response.Content.Headers.ContentLength ?? 0);
            }

            return response;
        }
    }
}
