using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Ui;

namespace Ocm.Identity;

/// <summary>Where an account comes from, for the admin pages: local (password), an identity provider, or both.</summary>
internal static class AccountSources
{
    /// <summary>The providers (issuers) each linked account signs in with, by user id.</summary>
    public static async Task<Dictionary<long, List<string>>> OfAllAsync(OcmDb db, CancellationToken cancellationToken) =>
        (await db.Set<ExternalLogin>().AsNoTracking().Select(l => new { l.UserId, l.Issuer }).ToListAsync(cancellationToken))
            .GroupBy(l => l.UserId)
            .ToDictionary(g => g.Key, g => g.Select(l => l.Issuer).Distinct(StringComparer.Ordinal).ToList());

    /// <summary>The providers <paramref name="userId"/> signs in with, in the shape <see cref="Label"/> takes.</summary>
    public static async Task<Dictionary<long, List<string>>> OfUserAsync(OcmDb db, long userId, CancellationToken cancellationToken) =>
        await db.Set<ExternalLogin>().AsNoTracking().Where(l => l.UserId == userId).Select(l => l.Issuer).Distinct().ToListAsync(cancellationToken) is { Count: > 0 } issuers
            ? new Dictionary<long, List<string>> { [userId] = issuers }
            : [];

    public static Html Label(Dictionary<long, List<string>> sources, long userId) =>
        sources.TryGetValue(userId, out var issuers)
            ? Html.Of($"<span class=\"source oidc\" title=\"{string.Join(", ", issuers)}\">identity provider</span>")
            : Html.Raw("<span class=\"source local\">local</span>");
}
