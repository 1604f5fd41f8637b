using Ocm.Files;
using Ocm.Users;

namespace Ocm.WebDav;

/// <summary>
/// A top-level folder of every user's tree whose content does not live in the user's storage — the accepted
/// federated shares under <c>/Shared with me/</c>. The WebDAV handler lists it in the user's root and answers
/// PROPFIND on it from <see cref="ChildrenAsync"/>; every request below one of its children is handed to
/// <see cref="ForwardAsync"/>. Its name is reserved: nothing can be created or moved there from the user's tree.
/// </summary>
internal interface IDavVirtualFolder
{
    /// <summary>The folder's name in the root of the user's tree.</summary>
    string Name { get; }

    /// <summary>The folder itself, as a synthetic node; null when it does not exist for this user (nothing to show).</summary>
    Task<FileNode?> DescribeAsync(SignedInUser user, CancellationToken cancellationToken);

    /// <summary>The folder's members, as synthetic nodes. Must answer quickly even when remote servers do not.</summary>
    Task<IReadOnlyList<FileNode>> ChildrenAsync(SignedInUser user, CancellationToken cancellationToken);

    /// <summary>Answers a request on <paramref name="child"/> or below it.</summary>
    /// <param name="context">The request.</param>
    /// <param name="user">The signed-in user.</param>
    /// <param name="child">The member's name.</param>
    /// <param name="below">The path below the member (root for the member itself).</param>
    /// <param name="childHref">The member's href as a folder, ending with a slash.</param>
    /// <param name="resolveLocal">Resolves a URL of the request (Destination) to a path in the user's tree.</param>
    Task ForwardAsync(HttpContext context, SignedInUser user, string child, StoragePath below, string childHref, Func<string, DavTarget> resolveLocal);
}
