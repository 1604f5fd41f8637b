using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Identity.Groups;

namespace Ocm.Identity.Mfa;

/// <summary>
/// One reason a user must use a second factor. Every registered source is asked (any one suffices); the sources
/// are for everyone (<see cref="MfaOptions.Required"/>), per user (<see cref="MfaRequiredUser"/>) and per group
/// (<see cref="PerGroupMfaRequirement"/>). Another rule is registered with
/// <c>services.TryAddEnumerable(ServiceDescriptor.Scoped&lt;IMfaRequirementSource, …&gt;())</c>.
/// </summary>
internal interface IMfaRequirementSource
{
    Task<bool> RequiresAsync(long userId, CancellationToken cancellationToken);
}

/// <summary><c>Ocm:Identity:Mfa:Required = all</c>.</summary>
internal sealed class EveryoneMfaRequirement(MfaOptions options) : IMfaRequirementSource
{
    public Task<bool> RequiresAsync(long userId, CancellationToken cancellationToken) => Task.FromResult(options.Required == MfaRequirement.All);
}

/// <summary>Users an admin marked with <c>ocm mfa require NAME</c>.</summary>
internal sealed class PerUserMfaRequirement(OcmDb db) : IMfaRequirementSource
{
    public Task<bool> RequiresAsync(long userId, CancellationToken cancellationToken) =>
        db.Set<MfaRequiredUser>().AnyAsync(r => r.UserId == userId, cancellationToken);
}

/// <summary>
/// Members of a group an admin marked with <c>ocm mfa require --group NAME</c>, or named in
/// <c>Ocm:Identity:Mfa:RequiredGroups</c>. Local, provider and directory groups count alike: membership is read at
/// each sign-in, after the provider's groups were applied, so joining such a group takes effect at the next sign-in.
/// </summary>
internal sealed class PerGroupMfaRequirement(OcmDb db, MfaOptions options) : IMfaRequirementSource
{
    private readonly string[] _named = [.. options.RequiredGroups.Select(Group.Normalize).Distinct(StringComparer.Ordinal)];

    public Task<bool> RequiresAsync(long userId, CancellationToken cancellationToken)
    {
        var named = _named;
        return (
            from member in db.Set<GroupMember>()
            join g in db.Set<Group>() on member.GroupId equals g.Id
            where member.UserId == userId
                && (named.Contains(g.NormalizedName) || db.Set<MfaRequiredGroup>().Any(r => r.GroupId == g.Id))
            select g.Id).AnyAsync(cancellationToken);
    }
}
