using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;
using Ocm.Protocol.Errors;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Json;

/// <summary>
/// Turns untrusted bytes into a <see cref="JsonDocument"/> within fixed limits, or an <see cref="OcmError"/>.
/// Never throws anything but <see cref="OcmFormatException"/> (and cancellation).
/// </summary>
internal static class JsonInput
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = OcmJson.MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,

        // Two values for one member are ambiguous (and a classic way to make a signature check and the
        // handler disagree), so such a body is rejected rather than "last one wins".
        AllowDuplicateProperties = false,
    };

    public static JsonDocument Parse(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.Length > OcmJson.MaxInputBytes)
        {
            throw new OcmFormatException(new OcmError { Message = ValidationMessages.PayloadTooLarge });
        }

        if (utf8Json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            utf8Json = utf8Json[3..];
        }

        // RFC 8259 §8.1: JSON exchanged between systems is UTF-8. Checking up front means no later GetString() can
        // throw on a lone surrogate or a broken sequence hidden in some member.
        if (!Utf8.IsValid(utf8Json))
        {
            throw new OcmFormatException(new OcmError { Message = ValidationMessages.InvalidJson });
        }

        if (ExceedsDepth(utf8Json, OcmJson.MaxDepth))
        {
            throw new OcmFormatException(new OcmError { Message = ValidationMessages.TooDeep });
        }

        var document = ParseMemory(utf8Json.ToArray());
        if (EscapedStringsProblem(utf8Json) is { } problem)
        {
            document.Dispose();
            throw new OcmFormatException(new OcmError { Message = problem });
        }

        return document;
    }

    /// <summary>
    /// An escaped lone surrogate (<c>"\ud800"</c>) is well-formed JSON text but cannot become a .NET string; find it
    /// here once instead of letting some later <c>GetString()</c> throw. An escaped NUL (<c>"\u0000"</c>) becomes a
    /// string no OCM field has a use for and PostgreSQL cannot store (a raw NUL byte is not JSON at all).
    /// </summary>
    private static string? EscapedStringsProblem(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = OcmJson.MaxDepth });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped
                    && reader.GetString()!.Contains('\0', StringComparison.Ordinal))
                {
                    return ValidationMessages.NulCharacter;
                }
            }

            return null;
        }
        catch (InvalidOperationException)
        {
            return ValidationMessages.InvalidJson;
        }
    }

    /// <summary>Counts bracket nesting outside strings, so "too deep" is told apart from "malformed" reliably.</summary>
    private static bool ExceedsDepth(ReadOnlySpan<byte> utf8Json, int maxDepth)
    {
        var depth = 0;
        var inString = false;
        var escaped = false;
        foreach (var b in utf8Json)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (b == (byte)'\\')
                {
                    escaped = true;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }

                continue;
            }

            switch (b)
            {
                case (byte)'"':
                    inString = true;
                    break;
                case (byte)'[' or (byte)'{':
                    if (++depth > maxDepth)
                    {
                        return true;
                    }

                    break;
                case (byte)']' or (byte)'}':
                    depth--;
                    break;
            }
        }

        return false;
    }

    public static async ValueTask<JsonDocument> ParseAsync(Stream utf8Json, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        var limit = OcmJson.MaxInputBytes;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var collected = new MemoryStream();
            while (true)
            {
                int read;
                try
                {
                    read = await utf8Json.ReadAsync(buffer, cancellationToken);
                }
                catch (IOException ex)
                {
                    throw new OcmFormatException(new OcmError { Message = ValidationMessages.InvalidJson }, ex);
                }

                if (read == 0)
                {
                    break;
                }

                if (collected.Length + read > limit)
                {
                    throw new OcmFormatException(new OcmError { Message = ValidationMessages.PayloadTooLarge });
                }

                collected.Write(buffer, 0, read);
            }

            return Parse(collected.GetBuffer().AsSpan(0, (int)collected.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static JsonDocument ParseMemory(ReadOnlyMemory<byte> utf8Json)
    {
        try
        {
            return JsonDocument.Parse(utf8Json, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw new OcmFormatException(new OcmError { Message = ValidationMessages.InvalidJson }, ex);
        }
        catch (ArgumentException ex)
        {
            throw new OcmFormatException(new OcmError { Message = ValidationMessages.InvalidJson }, ex);
        }
    }

    /// <summary>Requires the root to be an object; otherwise an <c>INVALID_PARAMETERS</c>-style error.</summary>
    public static void RequireObject(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new OcmFormatException(new OcmError { Message = ValidationMessages.ExpectedObjectBody });
        }
    }
}
