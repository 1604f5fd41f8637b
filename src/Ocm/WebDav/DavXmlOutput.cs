using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Xml;

namespace Ocm.WebDav;

/// <summary>
/// Streams an XML response (multistatus, lock discovery) to the client. A synchronous <see cref="XmlWriter"/> writes
/// into the response pipe's memory (no I/O, no per-call async overhead); <see cref="FlushIfNeededAsync"/> pushes what
/// is buffered to the socket once it passes a threshold, so a listing of any size uses a bounded amount of memory.
/// </summary>
internal sealed class DavXmlOutput : IAsyncDisposable
{
    private const int FlushThreshold = 64 * 1024;

    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        CloseOutput = false,
        CheckCharacters = true,
    };

    private readonly PipeWriter _pipe;
    private readonly PipeBufferStream _stream;

    private DavXmlOutput(PipeWriter pipe)
    {
        _pipe = pipe;
        _stream = new PipeBufferStream(pipe);
        Xml = XmlWriter.Create(_stream, Settings);
    }

    public XmlWriter Xml { get; }

    public static DavXmlOutput Start(HttpResponse response, int statusCode)
    {
        response.StatusCode = statusCode;
        response.ContentType = "application/xml; charset=utf-8";
        return new DavXmlOutput(response.BodyWriter);
    }

    public async ValueTask FlushIfNeededAsync(CancellationToken cancellationToken)
    {
        Xml.Flush();
        if (_stream.Unflushed >= FlushThreshold)
        {
            _stream.Unflushed = 0;
            await _pipe.FlushAsync(cancellationToken);
        }
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        Xml.WriteEndDocument();
        Xml.Flush();
        _stream.Unflushed = 0;
        await _pipe.FlushAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        Xml.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>A write-only stream that copies into the pipe's buffer without flushing it.</summary>
    private sealed class PipeBufferStream(PipeWriter pipe) : Stream
    {
        public long Unflushed { get; set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            pipe.Write(buffer);
            Unflushed += buffer.Length;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
            // Data stays in the pipe until the owner flushes it asynchronously.
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
