using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Ocm.Hosting;

/// <summary>
/// The OpenAPI 3.1 document of the user JSON API, served without authentication at <see cref="DocumentPath"/>.
/// It is generated from the endpoints themselves (route, parameters, typed results, <c>ProducesProblem</c> metadata),
/// so it cannot drift from what is mapped. Only <c>/api/v1/</c> is described: the OCM server-to-server endpoints are
/// specified by OCM itself, WebDAV by RFC 4918, and the web interface is HTML.
/// </summary>
internal static class ApiDocumentation
{
    public const string DocumentPath = "/api/v1/openapi.json";

    /// <summary>The name of the HTTP Basic security scheme in <c>components.securitySchemes</c>.</summary>
    public const string BasicScheme = "basic";

    private const string DocumentName = "v1";
    private const string ApiPrefix = "api/v1/";

    public static IServiceCollection AddOcmApiDocumentation(this IServiceCollection services)
    {
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description =>
                description.RelativePath?.StartsWith(ApiPrefix, StringComparison.OrdinalIgnoreCase) == true;
            options.AddDocumentTransformer(DescribeDocumentAsync);
            options.AddOperationTransformer(DescribeAuthenticationAsync);
            options.AddOperationTransformer(DescribeUnreadableRequestsAsync);
            options.AddSchemaTransformer(DescribeDirectionAsync);
        });
        return services;
    }

    public static IEndpointRouteBuilder MapOcmApiDocumentation(this IEndpointRouteBuilder app)
    {
        // Clients need the document before they have credentials; it holds nothing that is not public anyway.
        app.MapOpenApi(DocumentPath).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// Documents the values a query parameter accepts (<c>enum</c> in its schema), for parameters that the handler reads
    /// as a string and checks itself, answering 400 for anything else.
    /// </summary>
    public static TBuilder WithQueryValues<TBuilder>(this TBuilder builder, string parameter, params string[] values)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            var schema = operation.Parameters?
                .FirstOrDefault(p => p.In == ParameterLocation.Query && string.Equals(p.Name, parameter, StringComparison.Ordinal))?
                .Schema as OpenApiSchema
                ?? throw new InvalidOperationException($"The operation has no query parameter '{parameter}' to describe.");
            schema.Enum = [.. values.Select(v => (JsonNode)JsonValue.Create(v))];
            return Task.CompletedTask;
        });

    private static Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Ocm user API",
            Version = "v1",
            Description =
                "The JSON API of an Ocm server for its own users: federated shares they send and receive, contacts, invites "
                + "and share requests. Every operation needs HTTP Basic credentials (the account password or an app password); "
                + "errors are RFC 9457 problem details (application/problem+json). Timestamps in requests are seconds since "
                + "the Unix epoch.",
        };

        // Behind a reverse proxy the request's own host is not the one clients use: the configured public URL is.
        var server = context.ApplicationServices.GetRequiredService<OcmServerInfo>();
        document.Servers = [new OpenApiServer { Url = server.PublicUrl.AbsoluteUri.TrimEnd('/') }];
        return Task.CompletedTask;
    }

    /// <summary>
    /// Operations behind the signed-in policy get the Basic scheme as their security requirement and the answers of
    /// <c>BasicAuthenticationHandler</c>: 401 with a challenge, 429 while sign-ins are throttled (both with a problem body
    /// from <see cref="ErrorHandling.UseOcmApiProblemDetails"/>).
    /// </summary>
    private static async Task DescribeAuthenticationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (!metadata.OfType<IAuthorizeData>().Any() || metadata.OfType<IAllowAnonymous>().Any())
        {
            return;
        }

        var document = context.Document ?? throw new InvalidOperationException("OpenAPI operation transformers run with their document.");
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes.TryAdd(BasicScheme, new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "basic",
            Description = "The user's name with the account password or an app password (RFC 7617).",
        });

        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BasicScheme, document)] = [] });

        operation.Responses ??= [];
        var problem = await ProblemDetailsSchemaAsync(context, cancellationToken);
        operation.Responses.TryAdd("401", Problem(problem, "No or wrong credentials.", "WWW-Authenticate", "Basic realm=\"Ocm\", charset=\"UTF-8\"", JsonSchemaType.String));
        operation.Responses.TryAdd("429", Problem(problem, "Too many failed sign-ins for this user name or address; try again later.", "Retry-After", "Seconds to wait.", JsonSchemaType.Integer));
    }

    /// <summary>
    /// What the framework answers before a handler runs (turned into problem details by
    /// <see cref="ErrorHandling.UseOcmApiProblemDetails"/>): 415 for a body that is not JSON, 400 for a body or a
    /// non-text query parameter that cannot be read.
    /// </summary>
    private static async Task DescribeUnreadableRequestsAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var readsBody = operation.RequestBody is not null;
        var parsesQuery = operation.Parameters?.Any(p => p.In == ParameterLocation.Query && p.Schema?.Type is { } type && type != JsonSchemaType.String) == true;
        if (!readsBody && !parsesQuery)
        {
            return;
        }

        operation.Responses ??= [];
        var problem = await ProblemDetailsSchemaAsync(context, cancellationToken);
        operation.Responses.TryAdd("400", Problem(problem, "The request could not be read."));
        if (readsBody)
        {
            operation.Responses.TryAdd("415", Problem(problem, "The body is not application/json."));
        }
    }

    /// <summary>
    /// Makes the generated schemas say what the server really does in each direction. In a request body, System.Text.Json
    /// reads a missing constructor argument as null (RespectRequiredConstructorParameters is off), so only what the
    /// serializer enforces is required; responses keep the generated list, since every property is written, null included.
    /// The web defaults read numbers from strings too (<c>"type": ["integer", "string"]</c> with a pattern), but numbers
    /// are always written as numbers, so a response says <c>integer</c>.
    /// </summary>
    private static Task DescribeDirectionAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var request = context.ParameterDescription is not null;
        if (request && context.JsonPropertyInfo is null && context.JsonTypeInfo.Kind == JsonTypeInfoKind.Object && schema.Required is { } required)
        {
            var enforced = context.JsonTypeInfo.Properties.Where(p => p.IsRequired).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            required.IntersectWith(enforced);
            if (required.Count == 0)
            {
                schema.Required = null;
            }
        }

        if (!request && schema.Type is { } type && type.HasFlag(JsonSchemaType.Integer | JsonSchemaType.String))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>RFC 9457 problem details, as a reference to the one component schema every error response shares.</summary>
    private static async Task<IOpenApiSchema> ProblemDetailsSchemaAsync(OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document ?? throw new InvalidOperationException("OpenAPI operation transformers run with their document.");
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        if (!document.Components.Schemas.ContainsKey(nameof(ProblemDetails)))
        {
            document.Components.Schemas[nameof(ProblemDetails)] = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken);
        }

        return new OpenApiSchemaReference(nameof(ProblemDetails), document);
    }

    private static OpenApiResponse Problem(IOpenApiSchema schema, string description, string? header = null, string? headerDescription = null, JsonSchemaType headerType = JsonSchemaType.String) => new()
    {
        Description = description,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/problem+json"] = new OpenApiMediaType { Schema = schema },
        },
        Headers = header is null
            ? null
            : new Dictionary<string, IOpenApiHeader>
            {
                [header] = new OpenApiHeader { Description = headerDescription, Schema = new OpenApiSchema { Type = headerType } },
            },
    };
}
