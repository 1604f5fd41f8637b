using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using Ocm.Files;

namespace Ocm.WebDav;

/// <summary>
/// The preconditions a request that changes something carries, read once from its headers: <c>If-Match</c>,
/// <c>If-None-Match</c>, <c>If-Unmodified-Since</c> (RFC 9110 §13.1) and the WebDAV <c>If</c> header with its lock
/// tokens (RFC 4918 §10.4). <c>If-Modified-Since</c> is not read: it applies to GET and HEAD only (RFC 9110 §13.1.3).
/// <see cref="WritePreconditions"/> evaluates them.
/// </summary>
internal sealed class WriteConditions
{
    /// <summary>No conditions and no lock tokens: what the web interface submits.</summary>
    public static readonly WriteConditions None = new();

    public EntityTagCondition? IfMatch { get; private init; }

    public EntityTagCondition? IfNoneMatch { get; private init; }

    public DateTimeOffset? IfUnmodifiedSince { get; private init; }

    public IfHeader? If { get; private init; }

    /// <summary>What is wrong with a malformed header (the request is refused with 400); null when all could be read.</summary>
    public string? Problem { get; private init; }

    /// <summary>The lock tokens the request submits (RFC 4918 §10.4.1): those named positively in the <c>If</c> header.</summary>
    public IReadOnlySet<string> SubmittedTokens { get; private init; } = new HashSet<string>();

    /// <summary>
    /// True when the conditions were about the resource's current version (an entity tag or a date): the write must then
    /// still find that version when it commits (<see cref="FileWrite.ExpectedETag"/>), or a change in between would slip through.
    /// </summary>
    public bool PinVersion => IfMatch is not null || IfUnmodifiedSince is not null || IfNoneMatch is { Any: false } || If?.HasEntityTags == true;

    /// <summary><c>If-None-Match: *</c>: the write may only create (RFC 9110 §13.1.2).</summary>
    public bool MustNotExist => IfNoneMatch is { Any: true };

    /// <summary>The ETag a write of <paramref name="target"/> must still find when it commits; null when nothing is pinned.</summary>
    public string? ExpectedETag(FileNode? target) => PinVersion ? target?.ETag : null;

    public static WriteConditions Read(IHeaderDictionary headers)
    {
        string? problem = null;
        var ifMatch = ReadTags(headers.IfMatch, "If-Match", ref problem);
        var ifNoneMatch = ReadTags(headers.IfNoneMatch, "If-None-Match", ref problem);

        // A value that is not an HTTP-date is ignored (RFC 9110 §13.1.4).
        DateTimeOffset? since = HeaderUtilities.TryParseDate(headers.IfUnmodifiedSince.ToString(), out var date) ? date : null;

        IfHeader? ifHeader = null;
        var rawIf = headers["If"].ToString();
        if (rawIf.Length > 0 && !IfHeader.TryParse(rawIf, out ifHeader))
        {
            problem ??= "The If header is malformed (RFC 4918 §10.4).";
        }

        return new WriteConditions
        {
            IfMatch = ifMatch,
            IfNoneMatch = ifNoneMatch,
            IfUnmodifiedSince = since,
            If = ifHeader,
            SubmittedTokens = ifHeader?.SubmittedTokens.ToHashSet(StringComparer.Ordinal) ?? [],
            Problem = problem,
        };
    }

    private static EntityTagCondition? ReadTags(StringValues values, string name, ref string? problem)
    {
        var value = string.Join(',', values.ToArray());
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (EntityTagCondition.TryParse(value, out var condition))
        {
            return condition;
        }

        // Ignoring it would drop the protection the client asked for (a lost update); guessing at it could refuse or allow wrongly.
        problem ??= $"The {name} header must be * or entity tags in double quotes, such as \"5d41402abc\" or W/\"5d41402abc\" (RFC 9110 §8.8.3, §13.1).";
        return null;
    }
}
