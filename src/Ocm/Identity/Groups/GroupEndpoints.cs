using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Users;

namespace Ocm.Identity.Groups;

/// <summary>A group as the API shows it: <c>source</c> is <c>local</c> or <c>provider</c> (with its issuer).</summary>
internal sealed record GroupView(string Name, string? DisplayName, string Source, string? Issuer, int Members, DateTimeOffset Created)
{
    public static GroupView From(GroupSummary g) => new(g.Name, g.DisplayName, g.Issuer switch { null => "local", Ldap.LdapOptions.Issuer => "directory", _ => "provider" }, g.Issuer, g.Members, g.Created);
}

internal sealed record NewGroupRequest(string? Name, string? DisplayName);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(List<GroupView>))]
[JsonSerializable(typeof(GroupView))]
[JsonSerializable(typeof(NewGroupRequest))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class GroupsJsonContext : JsonSerializerContext;

/// <summary>
/// Groups for admins: <c>GET/POST /api/v1/groups</c>, <c>DELETE /api/v1/groups/{name}</c>,
/// <c>GET /api/v1/groups/{name}/members</c>, <c>PUT/DELETE /api/v1/groups/{name}/members/{user}</c>. Basic
/// credentials of an admin; other users get 403. A name with <c>/</c> is sent percent-encoded.
/// </summary>
internal static class GroupEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/groups").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy)
            .AddEndpointFilter(AdminsOnlyAsync).WithTags("Groups");

        api.MapGet("", async (GroupDirectory groups, CancellationToken cancellationToken) =>
            TypedResults.Ok((await groups.ListAsync(cancellationToken)).Select(GroupView.From).ToList()))
            .WithName("ListGroups").WithSummary("List local and provider groups (admins)");

        api.MapPost("", async Task<Results<Created<GroupView>, ProblemHttpResult>> (NewGroupRequest request, GroupDirectory groups, CancellationToken cancellationToken) =>
        {
            if (string.IsNullOrWhiteSpace(request.Name))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid group", detail: "Give the group a name.");
            }

            return await RunAsync(async () =>
            {
                var group = await groups.AddAsync(request.Name, request.DisplayName, cancellationToken);
                return TypedResults.Created($"/api/v1/groups/{Uri.EscapeDataString(group.Name)}",
                    GroupView.From(new GroupSummary(group.Name, group.DisplayName, group.Issuer, 0, group.Created)));
            });
        }).WithName("AddGroup").WithSummary("Create a local group (admins)").ProducesProblem(400).ProducesProblem(409);

        api.MapDelete("/{name}", async Task<Results<NoContent, ProblemHttpResult>> (string name, GroupDirectory groups, CancellationToken cancellationToken) =>
            await RunAsync(async () =>
            {
                await groups.RemoveAsync(Uri.UnescapeDataString(name), cancellationToken);
                return TypedResults.NoContent();
            })).WithName("RemoveGroup").WithSummary("Delete a group and its memberships (admins)").ProducesProblem(404);

        api.MapGet("/{name}/members", async Task<Results<Ok<List<string>>, ProblemHttpResult>> (string name, GroupDirectory groups, CancellationToken cancellationToken) =>
            await RunAsync(async () => TypedResults.Ok(await groups.MembersAsync(Uri.UnescapeDataString(name), cancellationToken))))
            .WithName("ListGroupMembers").WithSummary("List a group's members by user name (admins)").ProducesProblem(404);

        api.MapPut("/{name}/members/{user}", async Task<Results<NoContent, ProblemHttpResult>> (string name, string user, GroupDirectory groups, CancellationToken cancellationToken) =>
            await RunAsync(async () =>
            {
                await groups.AddMemberAsync(Uri.UnescapeDataString(name), user, cancellationToken);
                return TypedResults.NoContent();
            })).WithName("AddGroupMember").WithSummary("Add a user to a local group (admins)").ProducesProblem(404).ProducesProblem(409);

        api.MapDelete("/{name}/members/{user}", async Task<Results<NoContent, ProblemHttpResult>> (string name, string user, GroupDirectory groups, CancellationToken cancellationToken) =>
            await RunAsync(async () =>
            {
                await groups.RemoveMemberAsync(Uri.UnescapeDataString(name), user, cancellationToken);
                return TypedResults.NoContent();
            })).WithName("RemoveGroupMember").WithSummary("Remove a user from a local group (admins)").ProducesProblem(404).ProducesProblem(409);
    }

    public static void AddJson(IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, GroupsJsonContext.Default));

    private static async Task<Results<T, ProblemHttpResult>> RunAsync<T>(Func<Task<T>> action)
        where T : IResult
    {
        try
        {
            return await action();
        }
        catch (GroupException ex)
        {
            return TypedResults.Problem(statusCode: ex.Problem switch
            {
                GroupProblem.NotFound => 404,
                GroupProblem.Conflict => 409,
                _ => 400,
            }, title: "Group not changed", detail: ex.Message);
        }
    }

    private static async ValueTask<object?> AdminsOnlyAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var userId = http.GetSignedInUser().Id;
        var db = http.RequestServices.GetRequiredService<OcmDb>();
        if (!await db.Set<User>().AnyAsync(u => u.Id == userId && u.IsAdmin, http.RequestAborted))
        {
            return TypedResults.Problem(statusCode: 403, title: "Admins only", detail: "Only administrators of this server manage groups.");
        }

        return await next(context);
    }
}
