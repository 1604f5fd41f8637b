using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Ocm.Data;
using Ocm.Hosting;
using Ocm.Protocol.Addressing;
using Ocm.Users;

namespace Ocm.Contacts;

/// <summary>A contact as the JSON API shows it.</summary>
internal sealed record ContactView(long Id, string Address, string UserId, string Provider, string Name, string Email, string Source, DateTimeOffset Added)
{
    public static ContactView From(Contact c) =>
        new(c.Id, c.Address, c.RemoteUserId, c.Provider, c.Name, c.Email, c.Source.ToString().ToLowerInvariant(), c.Added);
}

/// <summary>Body of <c>POST /api/v1/contacts</c> (direct entry).</summary>
internal sealed record NewContactRequest(string? Address, string? Name, string? Email);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ContactView))]
[JsonSerializable(typeof(List<ContactView>))]
[JsonSerializable(typeof(NewContactRequest))]
internal sealed partial class ContactsJsonContext : JsonSerializerContext;

internal static class ContactEndpoints
{
    private const int MaxListed = 1000;

    public static IServiceCollection AddOcmContacts(this IServiceCollection services)
    {
        services.TryAddScoped<ContactBook>();
        services.AddScoped<Notifications.INotificationHandler, ContactNotificationHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ContactsJsonContext.Default));
        return services;
    }

    /// <summary>
    /// The address book of the signed-in user: <c>GET /api/v1/contacts[?search=…&amp;limit=…]</c> (search matches
    /// address, name and e-mail, for share autocomplete), <c>POST /api/v1/contacts</c> (direct entry),
    /// <c>DELETE /api/v1/contacts/{id}[?notify=true]</c> (silent by default; <c>notify</c> sends <c>USER_REMOVED</c>).
    /// </summary>
    public static IEndpointRouteBuilder MapOcmContacts(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1/contacts").RequireAuthorization(UsersServiceCollectionExtensions.SignedInPolicy).WithTags("Contacts");

        api.MapGet("", async (HttpContext context, ContactBook contacts, string? search, int? limit, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            var list = await contacts.ListAsync(user.Id, search, Math.Clamp(limit ?? MaxListed, 1, MaxListed), cancellationToken);
            return TypedResults.Ok(list.Select(ContactView.From).ToList());
        }).WithName("ListContacts").WithSummary("List contacts, optionally filtered by a search text");

        api.MapPost("", async Task<Results<Created<ContactView>, ProblemHttpResult>> (HttpContext context, NewContactRequest request, ContactBook contacts, OcmDb db, OcmServerInfo server, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            if (!OcmAddress.TryParse(request.Address, out var address, out var error))
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid OCM address", detail: $"'{request.Address}' is not an OCM address (user@host): {error}.");
            }

            if (address.IsAt(server.Authority))
            {
                return TypedResults.Problem(statusCode: 400, title: "Not a remote user", detail: "Contacts are users of other servers; this address is on this server.");
            }

            if (address.Identifier.Length > ContactConfiguration.Limits.RemoteUserId || address.Authority.Length > ContactConfiguration.Limits.Provider)
            {
                return TypedResults.Problem(statusCode: 400, title: "Invalid OCM address", detail: "The address is too long.");
            }

            var contact = await contacts.UpsertAsync(user.Id, address, request.Name, request.Email, ContactSource.Manual, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            return TypedResults.Created($"/api/v1/contacts/{contact.Id}", ContactView.From(contact));
        }).WithName("AddContact").WithSummary("Add a user of another server to the address book").ProducesProblem(StatusCodes.Status400BadRequest);

        api.MapDelete("/{id:long}", async Task<Results<NoContent, ProblemHttpResult>> (HttpContext context, long id, bool? notify, ContactBook contacts, OcmDb db, CancellationToken cancellationToken) =>
        {
            var user = context.GetSignedInUser();
            var contact = await contacts.FindAsync(user.Id, id, cancellationToken);
            if (contact is null)
            {
                return TypedResults.Problem(statusCode: 404, title: "No such contact", detail: $"You have no contact with id {id}.");
            }

            contacts.Remove(contact, notify == true ? user.Name : null);
            await db.SaveChangesAsync(cancellationToken);
            return TypedResults.NoContent();
        }).WithName("DeleteContact").WithSummary("Remove a contact; notify=true tells the contact's server (USER_REMOVED)").ProducesProblem(StatusCodes.Status404NotFound);

        return app;
    }
}
