using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Identity.Groups;

/// <summary>
/// The rules for groups, shared by the command line, the API and the admin page: local groups and their members are
/// changed by admins; a provider's groups and their members only by <see cref="ApplyProviderGroupsAsync"/> at sign-in.
/// </summary>
internal sealed partial class GroupDirectory(OcmDb db, TimeProvider time, ILogger<GroupDirectory> logger)
{
    public async Task<Group> AddAsync(string name, string? displayName, CancellationToken cancellationToken)
    {
        name = name.Trim();
        if (!GroupNames.IsValid(name))
        {
            throw new GroupException(GroupProblem.Invalid, $"'{name}' is not a valid group name: use 1 to {GroupNames.MaxLength} printable characters.");
        }

        var normalized = Group.Normalize(name);
        if (await db.Set<Group>().AnyAsync(g => g.NormalizedName == normalized, cancellationToken))
        {
            throw new GroupException(GroupProblem.Conflict, $"A group named '{name}' already exists.");
        }

        var group = new Group
        {
            Name = name,
            NormalizedName = normalized,
            DisplayName = string.IsNullOrWhiteSpace(displayName) ? null : displayName.Trim(),
            Created = time.GetUtcNow(),
        };
        db.Set<Group>().Add(group);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            throw new GroupException(GroupProblem.Conflict, $"A group named '{name}' already exists.");
        }

        Log.Added(logger, group.Id);
        return group;
    }

    /// <summary>Deletes a group and its memberships (a provider's group too: it comes back at its members' next sign-in).</summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        var group = await FindAsync(name, cancellationToken);
        db.Set<Group>().Remove(group);
        await db.SaveChangesAsync(cancellationToken);
        Log.Removed(logger, group.Id);
    }

    public Task<List<GroupSummary>> ListAsync(CancellationToken cancellationToken) =>
        db.Set<Group>().AsNoTracking()
            .OrderBy(g => g.NormalizedName)
            .Select(g => new GroupSummary(g.Name, g.DisplayName, g.Issuer, db.Set<GroupMember>().Count(m => m.GroupId == g.Id), g.Created))
            .ToListAsync(cancellationToken);

    public async Task<List<string>> MembersAsync(string name, CancellationToken cancellationToken)
    {
        var found = await FindAsync(name, cancellationToken);
        return await (from m in db.Set<GroupMember>()
                      join u in db.Set<User>() on m.UserId equals u.Id
                      where m.GroupId == found.Id
                      orderby u.NormalizedName
                      select u.Name).ToListAsync(cancellationToken);
    }

    public async Task AddMemberAsync(string groupName, string userName, CancellationToken cancellationToken)
    {
        var group = await FindLocalAsync(groupName, cancellationToken);
        var user = await FindUserAsync(userName, cancellationToken);
        if (await db.Set<GroupMember>().AnyAsync(m => m.GroupId == group.Id && m.UserId == user, cancellationToken))
        {
            throw new GroupException(GroupProblem.Conflict, $"'{userName}' is already a member of '{group.Name}'.");
        }

        db.Set<GroupMember>().Add(new GroupMember { GroupId = group.Id, UserId = user, Added = time.GetUtcNow() });
        await db.SaveChangesAsync(cancellationToken);
        Log.MemberAdded(logger, group.Id, user);
    }

    public async Task RemoveMemberAsync(string groupName, string userName, CancellationToken cancellationToken)
    {
        var group = await FindLocalAsync(groupName, cancellationToken);
        var user = await FindUserAsync(userName, cancellationToken);
        var member = await db.Set<GroupMember>().FirstOrDefaultAsync(m => m.GroupId == group.Id && m.UserId == user, cancellationToken)
            ?? throw new GroupException(GroupProblem.NotFound, $"'{userName}' is not a member of '{group.Name}'.");
        db.Set<GroupMember>().Remove(member);
        await db.SaveChangesAsync(cancellationToken);
        Log.MemberRemoved(logger, group.Id, user);
    }

    /// <summary>The names of the groups <paramref name="userId"/> belongs to, local and provider's.</summary>
    public Task<List<string>> GroupsOfAsync(long userId, CancellationToken cancellationToken) =>
        (from m in db.Set<GroupMember>()
         join g in db.Set<Group>() on m.GroupId equals g.Id
         where m.UserId == userId
         orderby g.NormalizedName
         select g.Name).ToListAsync(cancellationToken);

    /// <summary>
    /// Makes the user's memberships in <paramref name="issuer"/>'s groups exactly <paramref name="names"/> (the groups
    /// claim of this sign-in), creating groups the provider names for the first time. Local groups are never touched:
    /// a claimed name that a local group already has is skipped, so a provider cannot put anyone into an admin's group.
    /// </summary>
    public async Task ApplyProviderGroupsAsync(long userId, string issuer, IReadOnlyCollection<string> names, CancellationToken cancellationToken)
    {
        var wanted = names.Select(n => n.Trim()).Where(GroupNames.IsValid).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var normalized = wanted.Select(Group.Normalize).ToList();
        var existing = await db.Set<Group>().Where(g => normalized.Contains(g.NormalizedName)).ToListAsync(cancellationToken);
        var now = time.GetUtcNow();
        var targets = new List<Group>();
        foreach (var name in wanted)
        {
            var group = existing.FirstOrDefault(g => g.NormalizedName == Group.Normalize(name));
            if (group is null)
            {
                group = new Group { Name = name, NormalizedName = Group.Normalize(name), Issuer = issuer, Created = now };
                db.Set<Group>().Add(group);
            }
            else if (group.Issuer != issuer)
            {
                Log.ClaimedGroupSkipped(logger, group.Id);
                continue;
            }

            targets.Add(group);
        }

        await db.SaveChangesAsync(cancellationToken);
        var targetIds = targets.Select(g => g.Id).ToHashSet();
        var current = await (from m in db.Set<GroupMember>()
                             join g in db.Set<Group>() on m.GroupId equals g.Id
                             where m.UserId == userId && g.Issuer == issuer
                             select m).ToListAsync(cancellationToken);
        db.Set<GroupMember>().RemoveRange(current.Where(m => !targetIds.Contains(m.GroupId)));
        foreach (var id in targetIds.Where(id => current.All(m => m.GroupId != id)))
        {
            db.Set<GroupMember>().Add(new GroupMember { GroupId = id, UserId = userId, Added = now });
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<Group> FindAsync(string name, CancellationToken cancellationToken)
    {
        var normalized = Group.Normalize(name.Trim());
        return await db.Set<Group>().FirstOrDefaultAsync(g => g.NormalizedName == normalized, cancellationToken)
            ?? throw new GroupException(GroupProblem.NotFound, $"There is no group named '{name}'.");
    }

    private async Task<Group> FindLocalAsync(string name, CancellationToken cancellationToken)
    {
        var group = await FindAsync(name, cancellationToken);
        return group.IsLocal
            ? group
            : throw new GroupException(GroupProblem.Conflict, $"The members of '{group.Name}' come from the identity provider at each sign-in; they cannot be changed here.");
    }

    private async Task<long> FindUserAsync(string name, CancellationToken cancellationToken)
    {
        var normalized = User.Normalize(name.Trim());
        var ids = await db.Set<User>().Where(u => u.NormalizedName == normalized).Select(u => u.Id).ToListAsync(cancellationToken);
        return ids.Count == 1 ? ids[0] : throw new GroupException(GroupProblem.NotFound, $"There is no user named '{name}'.");
    }

    private static partial class Log
    {
        [LoggerMessage(2880, LogLevel.Information, "Group {GroupId} created")]
        public static partial void Added(ILogger logger, long groupId);

        [LoggerMessage(2881, LogLevel.Information, "Group {GroupId} deleted")]
        public static partial void Removed(ILogger logger, long groupId);

        [LoggerMessage(2882, LogLevel.Information, "User {UserId} added to group {GroupId}")]
        public static partial void MemberAdded(ILogger logger, long groupId, long userId);

        [LoggerMessage(2883, LogLevel.Information, "User {UserId} removed from group {GroupId}")]
        public static partial void MemberRemoved(ILogger logger, long groupId, long userId);

        [LoggerMessage(2884, LogLevel.Warning, "The identity provider named local group {GroupId} in a groups claim; the membership was not applied")]
        public static partial void ClaimedGroupSkipped(ILogger logger, long groupId);
    }
}

/// <summary>One group as listed: <see cref="Issuer"/> is <c>null</c> for a local group.</summary>
internal sealed record GroupSummary(string Name, string? DisplayName, string? Issuer, int Members, DateTimeOffset Created);

internal enum GroupProblem
{
    Invalid,
    NotFound,
    Conflict,
}

/// <summary>A refused group change; the message is shown as is (CLI, API problem details, admin page).</summary>
internal sealed class GroupException(GroupProblem problem, string message) : Exception(message)
{
    public GroupProblem Problem { get; } = problem;
}
