using System.Net.Http.Headers;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Http.Features;
using Ocm.Files;
using Ocm.Protocol.Http;
using Ocm.Shares;

namespace Ocm.RemoteShares;

/// <summary>
/// Forwards one WebDAV request on a member of <c>/Shared with me/</c> to the sender's server and its answer back,
/// streaming both bodies: the share's permissions are checked first (a read-only share refuses writes here, before
/// the sender has to), request headers that matter to WebDAV pass through, a <c>Destination</c> inside the same share
/// is translated, and every href and <c>Location</c> in the answer is rewritten from the sender's URL space to the
/// recipient's. Failures of the sender become 502, 503 (circuit open, with <c>Retry-After</c>) or 504 with a message
/// that names the sender; they never affect other requests.
/// </summary>
internal sealed partial class RemoteShareProxy(RemoteShareClient remote, ILogger<RemoteShareProxy> logger)
{
    private static readonly HashSet<string> WritingMethods = new(StringComparer.Ordinal)
    {
        "PUT", "DELETE", "MKCOL", "PROPPATCH", "COPY", "MOVE", "LOCK", "UNLOCK",
    };

    /// <summary>How much of a relayed body is asked for per read.</summary>
    private const int RelayChunk = 512 * 1024;

    /// <summary>Request headers forwarded as they are.</summary>
    private static readonly string[] ForwardedHeaders =
    [
        "Depth", "Overwrite", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", "Range", "If-Range",
        "Lock-Token", "Timeout", "OC-Checksum", "X-OC-Mtime", "OC-Total-Length", "Accept",
    ];

    /// <summary>Response headers not copied back (hop-by-hop, or about the sender's own authentication).</summary>
    private static readonly HashSet<string> DroppedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Authenticate", "WWW-Authenticate", "Server",
        "Set-Cookie", "Location", "Content-Location", "Strict-Transport-Security",
    };

    public async Task ForwardAsync(HttpContext context, ReceivedShare share, StoragePath below, string childHref, Func<string, StoragePath?> mapDestination)
    {
        var method = context.Request.Method;
        var cancellationToken = context.RequestAborted;
        if (WritingMethods.Contains(method) && !share.Permissions.HasFlag(SharePermissions.Write))
        {
            await AnswerAsync(context, StatusCodes.Status403Forbidden, $"'{share.Name}' is shared with you read-only.");
            return;
        }

        string? destination = null;
        if (method is "MOVE" or "COPY")
        {
            var header = context.Request.Headers["Destination"].ToString();
            if (header.Length == 0)
            {
                await AnswerAsync(context, StatusCodes.Status400BadRequest, "MOVE and COPY need a Destination header.");
                return;
            }

            if (mapDestination(header) is not { } mapped || mapped.IsRoot)
            {
                await AnswerAsync(context, StatusCodes.Status502BadGateway, $"'{share.Name}' lives on {share.SenderHost}: only moves and copies within it are possible.");
                return;
            }

            destination = mapped.ToUrlPath();
        }

        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        Uri? root = null;
        HttpResponseMessage response;
        try
        {
            response = await remote.SendAsync(
                share,
                baseUri =>
                {
                    root = baseUri;
                    return Build(context, baseUri, below, destination, hasBody);
                },
                replayable: !hasBody,
                cancellationToken);
        }
        catch (RemoteShareException ex)
        {
            Log.Failed(logger, share.Id, share.SenderHost, ex.Status);
            if (ex.RetryAfter is { } retryAfter)
            {
                Hosting.RetryAfter.Set(context.Response, retryAfter);
            }

            await AnswerAsync(context, ex.Status, ex.Message);
            return;
        }

        using (response)
        {
            if (response.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden && !WritingMethods.Contains(method))
            {
                // The sender no longer accepts our credentials for reading: the share ended or its access was withdrawn.
                await AnswerAsync(context, StatusCodes.Status403Forbidden, $"{share.SenderHost} refused access to '{share.Name}' ({(int)response.StatusCode}); the share may have ended.");
                return;
            }

            await RelayAsync(context, response, root!, childHref, share, cancellationToken);
        }
    }

    private static HttpRequestMessage Build(HttpContext context, Uri root, StoragePath below, string? destination, bool hasBody)
    {
        var request = new HttpRequestMessage(new HttpMethod(context.Request.Method), RemoteShareClient.Combine(root, below.ToUrlPath()));
        foreach (var name in ForwardedHeaders)
        {
            if (context.Request.Headers.TryGetValue(name, out var value))
            {
                request.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)value!);
            }
        }

        // An If header naming resources would name ours, not the sender's; only untagged lists can be passed on.
        var ifHeader = context.Request.Headers["If"].ToString();
        if (ifHeader.Length > 0 && !ifHeader.TrimStart().StartsWith('<'))
        {
            request.Headers.TryAddWithoutValidation("If", ifHeader);
        }

        if (destination is not null)
        {
            request.Headers.TryAddWithoutValidation("Destination", RemoteShareClient.Combine(root, destination).AbsoluteUri);
        }

        if (hasBody)
        {
            var content = new StreamContent(context.Request.Body, 81920);
            if (context.Request.ContentLength is { } length)
            {
                content.Headers.ContentLength = length;
            }

            if (context.Request.ContentType is { } type && MediaTypeHeaderValue.TryParse(type, out var parsed))
            {
                content.Headers.ContentType = parsed;
            }

            request.Content = content;
        }

        return request;
    }

    private static async Task RelayAsync(HttpContext context, HttpResponseMessage response, Uri root, string childHref, ReceivedShare share, CancellationToken cancellationToken)
    {
        var local = share.IsFolder == true || share.ResourceType == "folder" || root.AbsolutePath.EndsWith('/') ? childHref : childHref.TrimEnd('/');
        var rewriter = new HrefRewriter(root.AbsolutePath, local);
        var outgoing = context.Response;
        outgoing.StatusCode = (int)response.StatusCode;
        var multistatus = (int)response.StatusCode == 207;
        foreach (var header in response.Headers.Concat(response.Content.Headers))
        {
            if (DroppedResponseHeaders.Contains(header.Key) || (multistatus && header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            outgoing.Headers[header.Key] = header.Value.ToArray();
        }

        if (response.Headers.Location is { } location)
        {
            outgoing.Headers.Location = rewriter.Rewrite(location.IsAbsoluteUri ? location.AbsoluteUri : location.OriginalString);
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        if (multistatus)
        {
            await rewriter.CopyMultistatusAsync(body, outgoing.Body, cancellationToken);
        }
        else
        {
            await CopyToResponseAsync(body, response.Content.Headers.ContentLength, outgoing.BodyWriter, cancellationToken);
        }
    }

    /// <summary>
    /// Streams the sender's body into the response (WebDAV here, downloads in the web interface): each read lands
    /// directly in the response pipe's memory (no intermediate buffer) and is flushed at once. With a known length,
    /// each read may wait for a large part of what is still to come (<see cref="BulkReceive"/>) rather than wake for
    /// every packet.
    /// </summary>
    internal static async Task CopyToResponseAsync(Stream body, long? length, System.IO.Pipelines.PipeWriter writer, CancellationToken cancellationToken)
    {
        var remaining = length ?? 0;
        while (true)
        {
            var memory = writer.GetMemory(RelayChunk);
            int read;
            using (BulkReceive.Expect(Math.Min(remaining, memory.Length)))
            {
                read = await body.ReadAsync(memory, cancellationToken);
            }

            if (read == 0)
            {
                return;
            }

            remaining -= read;
            writer.Advance(read);
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCanceled || flushed.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task AnswerAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(message + "\n", context.RequestAborted);
        }
    }

    /// <summary>Maps hrefs under the sender's share root to the member's href in the recipient's tree.</summary>
    private sealed class HrefRewriter(string remoteRootPath, string localRoot)
    {
        private readonly string _remoteRoot = Uri.UnescapeDataString(remoteRootPath).TrimEnd('/');

        public string Rewrite(string href)
        {
            if (WebDav.DavLocations.PathOf(href) is not { } path)
            {
                return href;
            }

            var decoded = Uri.UnescapeDataString(path);
            if (!decoded.StartsWith(_remoteRoot, StringComparison.Ordinal))
            {
                return href;
            }

            var rest = decoded[_remoteRoot.Length..];
            if (rest.Length > 0 && rest[0] != '/')
            {
                return href; // a sibling whose name merely starts like the root
            }

            var trailing = rest.EndsWith('/');
            var segments = rest.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.EscapeDataString);
            var joined = string.Join('/', segments);
            if (joined.Length == 0)
            {
                return trailing || localRoot.EndsWith('/') ? localRoot : localRoot.TrimEnd('/');
            }

            return localRoot.TrimEnd('/') + "/" + joined + (trailing ? "/" : "");
        }

        /// <summary>Copies a multistatus body node by node, rewriting the text of every <c>DAV:href</c>.</summary>
        public async Task CopyMultistatusAsync(Stream input, Stream output, CancellationToken cancellationToken)
        {
            using var reader = XmlReader.Create(input, new XmlReaderSettings { Async = true, DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            await using var writer = XmlWriter.Create(output, new XmlWriterSettings { Async = true, Encoding = new UTF8Encoding(false), CloseOutput = false });
            var inHref = false;
            while (await reader.ReadAsync())
            {
                cancellationToken.ThrowIfCancellationRequested();
                switch (reader.NodeType)
                {
                    case XmlNodeType.XmlDeclaration:
                        await writer.WriteStartDocumentAsync();
                        break;
                    case XmlNodeType.Element:
                        var empty = reader.IsEmptyElement;
                        await writer.WriteStartElementAsync(reader.Prefix, reader.LocalName, reader.NamespaceURI);
                        await writer.WriteAttributesAsync(reader, defattr: true);
                        if (empty)
                        {
                            await writer.WriteEndElementAsync();
                        }
                        else
                        {
                            inHref = reader.LocalName == "href" && reader.NamespaceURI == "DAV:";
                        }

                        break;
                    case XmlNodeType.Text:
                        await writer.WriteStringAsync(inHref ? Rewrite(reader.Value.Trim()) : reader.Value);
                        break;
                    case XmlNodeType.CDATA:
                        await writer.WriteCDataAsync(reader.Value);
                        break;
                    case XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace:
                        await writer.WriteWhitespaceAsync(reader.Value);
                        break;
                    case XmlNodeType.EndElement:
                        inHref = false;
                        await writer.WriteFullEndElementAsync();
                        break;
                }
            }

            await writer.FlushAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1410, LogLevel.Information, "Received share {ShareId} on {Sender}: answered {Status}")]
        public static partial void Failed(ILogger logger, long shareId, string sender, int status);
    }
}
