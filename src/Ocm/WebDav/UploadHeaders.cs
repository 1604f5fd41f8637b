using System.Globalization;
using Ocm.Files;
using Ocm.Protocol.Validation;

namespace Ocm.WebDav;

/// <summary>
/// The headers ownCloud/Nextcloud clients and rclone exchange around an upload, the same for a plain PUT and for the
/// MOVE that assembles a chunked upload: <c>X-OC-Mtime</c> in, and the stored file's ETag, file id and time out.
/// </summary>
internal static class UploadHeaders
{
    /// <summary><c>X-OC-Mtime</c>: the file's modification time in Unix seconds; null when absent or out of range.</summary>
    public static DateTimeOffset? ReadMtime(HttpRequest request)
    {
        var value = request.Headers["X-OC-Mtime"].ToString();
        if (value.Length == 0 || !decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || seconds < 0 || seconds > UnixTime.MaxSeconds)
        {
            return null;
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000));
    }

    /// <summary>Describes the file just stored: <c>ETag</c>/<c>OC-ETag</c>, <c>OC-FileId</c>, <c>Last-Modified</c>, and <c>X-OC-MTime: accepted</c> when one was given.</summary>
    public static void DescribeStored(HttpResponse response, FileNode node, string fileId, bool mtimeAccepted)
    {
        var headers = response.Headers;
        headers.ETag = node.QuotedETag;
        headers["OC-ETag"] = node.QuotedETag;
        headers["OC-FileId"] = fileId;
        headers.LastModified = node.Modified.ToString("R");
        if (mtimeAccepted)
        {
            headers["X-OC-MTime"] = "accepted";
        }
    }
}
