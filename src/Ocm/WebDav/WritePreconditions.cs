using Ocm.Files;

namespace Ocm.WebDav;

/// <summary>
/// The one place that decides whether a change of a user's tree may go ahead, for every way of changing it: the WebDAV
/// methods, the assembly of a chunked upload, the web interface's uploads and file actions. In order:
/// <list type="number">
/// <item>the request's headers must be readable (else 400);</item>
/// <item>the HTTP conditions, RFC 9110 §13.2.2: <c>If-Match</c> (strong comparison), else <c>If-Unmodified-Since</c>,
/// then <c>If-None-Match</c> (weak comparison), else 412;</item>
/// <item>the WebDAV <c>If</c> header, RFC 4918 §10.4: one of its lists must hold, else 412;</item>
/// <item>the write locks on what the change touches, RFC 4918 §6–7: each must have its token submitted by the
/// principal who holds it — for shared locks, one of them suffices (§6.2) — else 423.</item>
/// </list>
/// </summary>
internal sealed class WritePreconditions(FileTree files, FileLocks locks)
{
    public const string ConditionFailedMessage =
        "Precondition failed: If-Match, If-None-Match or If-Unmodified-Since does not hold for the current version.";

    public const string IfFailedMessage = "Precondition failed: no list of the If header matches (lock token or ETag).";

    /// <summary>Every check, in the order above. <see cref="WriteCheck.Target"/> is what the HTTP conditions are about.</summary>
    public async Task<PreconditionResult> CheckAsync(WriteCheck check, CancellationToken cancellationToken)
    {
        var result = CheckConditionalHeaders(check.Conditions, check.Target);
        if (!result.Holds)
        {
            return result;
        }

        if (check.Conditions.If is { } ifHeader && !await EvaluateIfAsync(check, ifHeader, cancellationToken))
        {
            return PreconditionResult.Failed(IfFailedMessage);
        }

        var blocking = await BlockingLocksAsync(check.OwnerId, check.Principal, check.Conditions.SubmittedTokens, check.Scopes, cancellationToken);
        return blocking.Count > 0 ? PreconditionResult.LockedBy(blocking) : PreconditionResult.Met;
    }

    /// <summary>
    /// The headers' syntax and the HTTP conditions alone (RFC 9110 §13.2.2 for methods other than GET and HEAD), against
    /// <paramref name="target"/> (null when nothing exists there). For a request whose locks are checked elsewhere (LOCK).
    /// </summary>
    public static PreconditionResult CheckConditionalHeaders(WriteConditions conditions, FileNode? target)
    {
        if (conditions.Problem is { } problem)
        {
            return PreconditionResult.Malformed(problem);
        }

        var current = target is null ? (EntityTag?)null : new EntityTag(target.ETag, IsWeak: false);
        if (conditions.IfMatch is { } ifMatch)
        {
            if (!ifMatch.MatchesStrongly(current))
            {
                return PreconditionResult.Failed(ConditionFailedMessage);
            }
        }
        else if (conditions.IfUnmodifiedSince is { } since && target is not null && ToSeconds(target.Modified) > since)
        {
            // §13.1.4: only without If-Match, and only for a resource that has a modification date.
            return PreconditionResult.Failed(ConditionFailedMessage);
        }

        if (conditions.IfNoneMatch is { } ifNoneMatch && ifNoneMatch.MatchesWeakly(current))
        {
            return PreconditionResult.Failed(ConditionFailedMessage);
        }

        return PreconditionResult.Met;
    }

    /// <summary>HTTP dates have whole seconds: a time compares as it was sent in <c>Last-Modified</c>.</summary>
    private static DateTimeOffset ToSeconds(DateTimeOffset value) =>
        new(value.Year, value.Month, value.Day, value.Hour, value.Minute, value.Second, TimeSpan.Zero);

    /// <summary>Evaluates an <c>If</c> header against the current ETags and locks of the resources it names.</summary>
    private async Task<bool> EvaluateIfAsync(WriteCheck check, IfHeader header, CancellationToken cancellationToken)
    {
        // An untagged list is about the request URI (RFC 4918 §10.4.3); a resource outside the tree has no ETag and no locks.
        var untagged = check.RequestPath is { } requestPath ? await StateOfAsync(check.OwnerId, requestPath, cancellationToken) : ResourceState.Unknown;
        var tagged = new Dictionary<string, ResourceState>(StringComparer.Ordinal);
        foreach (var tag in header.ResourceTags)
        {
            tagged[tag] = check.ResolveTag(tag) is { } path ? await StateOfAsync(check.OwnerId, path, cancellationToken) : ResourceState.Unknown;
        }

        return header.Evaluate(tag => tag is null ? untagged : tagged[tag]);
    }

    private async Task<ResourceState> StateOfAsync(long ownerId, StoragePath path, CancellationToken cancellationToken)
    {
        var node = await files.FindAsync(ownerId, path, cancellationToken);
        var covering = await locks.FindAsync(ownerId, path, includeBelow: false, cancellationToken);
        return new ResourceState(node?.QuotedETag, covering.Select(l => l.Token).ToHashSet(StringComparer.Ordinal));
    }

    /// <summary>
    /// The locks that forbid the change: of the first scope that has any, the exclusive locks whose token
    /// <paramref name="principal"/> did not submit, and its shared locks when none of them was submitted by its holder.
    /// Empty when the change may go ahead.
    /// </summary>
    private async Task<IReadOnlyList<FileLock>> BlockingLocksAsync(
        long ownerId, LockPrincipal principal, IReadOnlySet<string> submitted, IReadOnlyList<LockScope> scopes, CancellationToken cancellationToken)
    {
        foreach (var scope in scopes)
        {
            var lineage = await locks.LineageAsync(ownerId, scope.Path, scope.IncludeBelow, cancellationToken);
            if (lineage.Count == 0)
            {
                continue;
            }

            var parent = scope.Path.Parent;
            var relevant = lineage.Where(l =>
                    l.Covers(scope.Path)
                    || (scope.IncludeBelow && scope.Path.IsAncestorOf(l.StoragePath))
                    // A depth-0 lock on a folder protects its membership (RFC 4918 §7.5).
                    || (scope.MembershipChange && !scope.Path.IsRoot && !l.Deep && l.StoragePath == parent))
                .ToList();
            // A token is of use only to the principal who holds the lock (§6.4).
            var usable = relevant.Where(l => submitted.Contains(l.Token) && l.Principal == principal).ToHashSet();
            var blocking = relevant.Where(l => l.Exclusive && !usable.Contains(l)).ToList();
            var shared = relevant.Where(l => !l.Exclusive).ToList();
            if (blocking.Count == 0 && shared.Count > 0 && !shared.Any(usable.Contains))
            {
                blocking = shared;
            }

            if (blocking.Count > 0)
            {
                return blocking;
            }
        }

        return [];
    }
}

/// <summary>
/// One change to check: whose tree (<see cref="OwnerId"/>) and who asks (<see cref="Principal"/>, who holds the
/// locks taken in a scope: the user, or a share's remote recipient), the request's conditions, the resource the HTTP
/// conditions are about (<see cref="Target"/>, null when nothing is there), what untagged <c>If</c> lists are about
/// (<see cref="RequestPath"/>; null for a request URI outside the tree, as a chunked upload's <c>.file</c>), how the
/// <c>If</c> header's resource tags map into the tree (null for one outside it), and what the change touches.
/// </summary>
internal sealed record WriteCheck(
    long OwnerId,
    LockPrincipal Principal,
    WriteConditions Conditions,
    FileNode? Target,
    StoragePath? RequestPath,
    Func<string, StoragePath?> ResolveTag,
    IReadOnlyList<LockScope> Scopes)
{
    /// <summary>A change the web interface makes: no conditions, no lock tokens, no <c>If</c> header to resolve.</summary>
    public static WriteCheck WithoutConditions(long ownerId, FileNode? target, params LockScope[] scopes) =>
        new(ownerId, LockPrincipal.User(ownerId), WriteConditions.None, target, null, _ => null, scopes);
}

/// <summary>What a modifying request touches, for lock checks: a path, optionally everything below it, and whether a member is added to or removed from its parent folder.</summary>
internal readonly record struct LockScope(StoragePath Path, bool IncludeBelow, bool MembershipChange);

internal enum PreconditionStatus
{
    /// <summary>The change may go ahead.</summary>
    Met,

    /// <summary>A header could not be read: 400.</summary>
    Malformed,

    /// <summary>A condition does not hold: 412.</summary>
    Failed,

    /// <summary>A lock forbids it: 423.</summary>
    Locked,
}

/// <summary>The outcome of <see cref="WritePreconditions"/>: a status, a message naming the problem, and the locks in the way.</summary>
internal sealed record PreconditionResult(PreconditionStatus Status, string? Message, IReadOnlyList<FileLock> Locks)
{
    public static readonly PreconditionResult Met = new(PreconditionStatus.Met, null, []);

    public bool Holds => Status == PreconditionStatus.Met;

    /// <summary>The HTTP status of a refusal: 400, 412 or 423.</summary>
    public int HttpStatus => Status switch
    {
        PreconditionStatus.Malformed => StatusCodes.Status400BadRequest,
        PreconditionStatus.Failed => StatusCodes.Status412PreconditionFailed,
        PreconditionStatus.Locked => StatusCodes.Status423Locked,
        _ => StatusCodes.Status200OK,
    };

    public static PreconditionResult Malformed(string message) => new(PreconditionStatus.Malformed, message, []);

    public static PreconditionResult Failed(string message) => new(PreconditionStatus.Failed, message, []);

    public static PreconditionResult LockedBy(IReadOnlyList<FileLock> locks) =>
        new(PreconditionStatus.Locked, "A WebDAV lock is held on it and its lock token was not submitted (RFC 4918 §7).", locks);
}
