using Microsoft.EntityFrameworkCore;
using Ocm.Data;

namespace Ocm.Identity.Mfa;

/// <summary>
/// One reason a user must use a second factor. Every registered source is asked (any one suffices); the sources
/// are for everyone (<see cref="MfaOptions.Required"/>) and per user (<see cref="MfaRequiredUser"/>). This is where a
/// per-group rule plugs in once groups exist: a source that answers from the user's group memberships, registered
/// with <c>services.TryAddEnumerable(ServiceDescriptor.Scoped&lt;IMfaRequirementSource, …&gt;())</c>.
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
