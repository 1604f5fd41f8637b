using System.Globalization;
using System.Xml;
using Ocm.Files;

namespace Ocm.WebDav;

internal sealed partial class WebDavHandler
{
    /// <summary>
    /// LOCK (RFC 4918 §9.10): exclusive or shared write locks, Depth 0 or infinity, with a timeout. With a
    /// <c>lockinfo</c> body it takes a new lock (201 and an empty file when nothing was at the URL, §7.3; 423 with
    /// <c>no-conflicting-lock</c> on a conflict); without a body it refreshes the lock named in the <c>If</c> header.
    /// </summary>
    private async Task LockAsync(DavContext dav)
    {
        var body = await DavXml.ReadAsync(dav.Http.Request, options.MaxXmlBodyBytes, dav.Aborted);
        if (await RejectBodyAsync(dav, body))
        {
            return;
        }

        var timeout = ReadTimeout(dav.Http.Request);
        if (body.Status == XmlBodyStatus.Empty)
        {
            await RefreshLockAsync(dav, timeout);
            return;
        }

        var info = body.Root!;
        var scope = info.Element(DavXml.D + "lockscope")?.Elements().FirstOrDefault()?.Name;
        var type = info.Element(DavXml.D + "locktype")?.Elements().FirstOrDefault()?.Name;
        if (info.Name != DavXml.D + "lockinfo" || type != DavXml.D + "write"
            || (scope != DavXml.D + "exclusive" && scope != DavXml.D + "shared"))
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The body must be a DAV:lockinfo for a write lock, exclusive or shared.");
            return;
        }

        var depth = ReadDepth(dav.Http.Request, fallback: -1);
        if (depth is null or 1)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "LOCK takes Depth: 0 or infinity.");
            return;
        }

        var ownerXml = info.Element(DavXml.D + "owner") is { } owner ? DavXml.SerializeContent(owner) : null;
        if (ownerXml?.Length > 8192)
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "The lock's owner is longer than 8192 characters.");
            return;
        }

        var found = await files.FindManyAsync(dav.OwnerId, [dav.Path, dav.Path.Parent], dav.Aborted);
        var exists = found.TryGetValue(dav.Path, out var node);
        if (!exists && (!found.TryGetValue(dav.Path.Parent, out var parent) || !parent.IsFolder))
        {
            await StatusAsync(dav, StatusCodes.Status409Conflict, ParentMissingMessage);
            return;
        }

        // Creating the empty file adds a member to the parent, which its locks protect; on an existing resource, conflicts
        // with other locks are the lock table's to find (AcquireAsync), in the same transaction that takes the lock.
        var allowed = exists
            ? await AnswerRefusalAsync(dav, WritePreconditions.CheckConditionalHeaders(dav.Conditions, node))
            : await PreconditionsHoldAsync(dav, null, new LockScope(dav.Path, IncludeBelow: false, MembershipChange: true));
        if (!allowed)
        {
            return;
        }

        var (taken, conflicts) = await locks.AcquireAsync(
            new FileLock
            {
                Token = "urn:uuid:" + Guid.NewGuid().ToString("D"),
                OwnerId = dav.OwnerId,
                Path = dav.Path.Value,
                Deep = depth == -1,
                Exclusive = scope == DavXml.D + "exclusive",
                Principal = dav.Principal,
                OwnerXml = ownerXml,
                TimeoutSeconds = timeout,
            },
            dav.Aborted);
        if (taken is null)
        {
            await ConditionAsync(dav, StatusCodes.Status423Locked, "no-conflicting-lock",
                conflicts.Select(l => dav.Href(l.StoragePath, folder: l.StoragePath.IsRoot)).Distinct());
            return;
        }

        var created = false;
        if (!exists)
        {
            var result = await files.CreateEmptyAsync(dav.OwnerId, dav.Path, dav.Aborted);
            created = result.Status == WriteStatus.Created;
            if (result.Status is WriteStatus.ParentMissing or WriteStatus.QuotaExceeded)
            {
                await locks.ReleaseAsync(taken.Token, dav.Aborted);
                await StatusAsync(dav, StatusCodes.Status409Conflict, result.Status == WriteStatus.ParentMissing
                    ? ParentMissingMessage
                    : "Locking an unmapped URL creates an empty file, and the quota is used up.");
                return;
            }
        }

        dav.Http.Response.Headers["Lock-Token"] = "<" + taken.Token + ">";
        await WriteLockDiscoveryAsync(dav, created ? StatusCodes.Status201Created : StatusCodes.Status200OK, taken, node?.IsFolder == true);
    }

    private async Task RefreshLockAsync(DavContext dav, int timeout)
    {
        var rawIf = dav.Http.Request.Headers["If"].ToString();
        if (rawIf.Length == 0 || !IfHeader.TryParse(rawIf, out var header))
        {
            // §9.10.2: a refresh names its lock in the If header.
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "A LOCK without a body refreshes a lock: name it in the If header.");
            return;
        }

        foreach (var token in header!.SubmittedTokens)
        {
            var existing = await locks.FindByTokenAsync(token, dav.Aborted);
            if (existing is not null && existing.OwnerId == dav.OwnerId && existing.Principal == dav.Principal && existing.Covers(dav.Path))
            {
                var refreshed = await locks.RefreshAsync(token, timeout, dav.Aborted);
                if (refreshed is not null)
                {
                    // A lock rooted above the URL is a folder's; one rooted at it is a folder's when the URL is.
                    var rootIsFolder = refreshed.StoragePath != dav.Path || (await files.FindAsync(dav.OwnerId, dav.Path, dav.Aborted))?.IsFolder == true;
                    await WriteLockDiscoveryAsync(dav, StatusCodes.Status200OK, refreshed, rootIsFolder);
                    return;
                }
            }
        }

        await ConditionAsync(dav, StatusCodes.Status412PreconditionFailed, "lock-token-matches-request-uri");
    }

    /// <summary>UNLOCK (RFC 4918 §9.11): 204; 409 when the token does not cover the URL; 403 when another user holds it.</summary>
    private async Task UnlockAsync(DavContext dav)
    {
        var header = dav.Http.Request.Headers["Lock-Token"].ToString().Trim();
        if (header.Length < 3 || header[0] != '<' || header[^1] != '>')
        {
            await StatusAsync(dav, StatusCodes.Status400BadRequest, "UNLOCK needs a Lock-Token header: <the lock token>.");
            return;
        }

        var token = header[1..^1].Trim();
        var existing = await locks.FindByTokenAsync(token, dav.Aborted);
        if (existing is null || existing.OwnerId != dav.OwnerId || !existing.Covers(dav.Path))
        {
            await ConditionAsync(dav, StatusCodes.Status409Conflict, "lock-token-matches-request-uri");
            return;
        }

        if (existing.Principal != dav.Principal)
        {
            await StatusAsync(dav, StatusCodes.Status403Forbidden, "The lock belongs to someone else.");
            return;
        }

        await locks.ReleaseAsync(token, dav.Aborted);
        await StatusAsync(dav, StatusCodes.Status204NoContent);
    }

    /// <summary><c>Timeout: Second-3600, Infinite</c> (§10.7): the first we understand, capped; the default when none.</summary>
    private int ReadTimeout(HttpRequest request)
    {
        foreach (var part in request.Headers["Timeout"].ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.Equals("Infinite", StringComparison.OrdinalIgnoreCase))
            {
                return options.MaxLockTimeoutSeconds;
            }

            if (part.StartsWith("Second-", StringComparison.OrdinalIgnoreCase)
                && long.TryParse(part.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
            {
                return (int)Math.Min(seconds, options.MaxLockTimeoutSeconds);
            }
        }

        return options.DefaultLockTimeoutSeconds;
    }

    private async Task WriteLockDiscoveryAsync(DavContext dav, int status, FileLock fileLock, bool rootIsFolder)
    {
        await using var output = DavXmlOutput.Start(dav.Http.Response, status);
        var xml = output.Xml;
        xml.WriteStartElement("d", "prop", DavXml.Dav);
        xml.WriteAttributeString("xmlns", "d", null, DavXml.Dav);
        xml.WriteStartElement("d", "lockdiscovery", DavXml.Dav);
        WriteActiveLock(xml, dav, fileLock, time.GetUtcNow(), rootIsFolder);
        xml.WriteEndElement();
        xml.WriteEndElement();
        await output.CompleteAsync(dav.Aborted);
    }

    internal static void WriteActiveLock(XmlWriter xml, DavContext dav, FileLock fileLock, DateTimeOffset now, bool rootIsFolder)
    {
        xml.WriteStartElement("d", "activelock", DavXml.Dav);
        xml.WriteStartElement("d", "locktype", DavXml.Dav);
        xml.WriteElementString("d", "write", DavXml.Dav, null);
        xml.WriteEndElement();
        xml.WriteStartElement("d", "lockscope", DavXml.Dav);
        xml.WriteElementString("d", fileLock.Exclusive ? "exclusive" : "shared", DavXml.Dav, null);
        xml.WriteEndElement();
        xml.WriteElementString("d", "depth", DavXml.Dav, fileLock.Deep ? "infinity" : "0");
        if (fileLock.OwnerXml is not null)
        {
            xml.WriteStartElement("d", "owner", DavXml.Dav);
            xml.WriteRaw(fileLock.OwnerXml);
            xml.WriteEndElement();
        }

        var remaining = Math.Max(0, (long)Math.Ceiling((fileLock.Expires - now).TotalSeconds));
        xml.WriteElementString("d", "timeout", DavXml.Dav, "Second-" + remaining.ToString(CultureInfo.InvariantCulture));
        xml.WriteStartElement("d", "locktoken", DavXml.Dav);
        xml.WriteElementString("d", "href", DavXml.Dav, fileLock.Token);
        xml.WriteEndElement();
        xml.WriteStartElement("d", "lockroot", DavXml.Dav);
        var root = fileLock.StoragePath;
        xml.WriteElementString("d", "href", DavXml.Dav, dav.Href(root, rootIsFolder));
        xml.WriteEndElement();
        xml.WriteEndElement();
    }

}
