using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Ui;

namespace Ocm.Identity;

/// <summary>Where an account comes from, for the admin pages: local (password), the LDAP directory, an identity provider.</summary>
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

    public static Html Label(Dictionary<long, List<string>> sources, long userId)
    {
        if (!sources.TryGetValue(userId, out var issuers))
        {
            return Html.Raw("<span class=\"source local\">local</span>");
        }

        var providers = issuers.Where(i => i != Ldap.LdapOptions.Issuer).ToList();
        var directory = issuers.Contains(Ldap.LdapOptions.Issuer)
            ? Html.Raw("<span class=\"source directory\" title=\"LDAP directory\">directory</span>")
            : Html.Empty;
        return providers.Count == 0
            ? directory
            : Html.Of($"{directory}<span class=\"source oidc\" title=\"{string.Join(", ", providers)}\">identity provider</span>");
    }
}
