using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// The user API's OpenAPI document (<c>GET /api/v1/openapi.json</c>): a valid OpenAPI 3.1 document, describing exactly
/// the <c>/api/v1</c> endpoints the server maps, and saying what the server really answers.
/// </summary>
public sealed class DocumentingTheUserApi : IAsyncLifetime
{
    private const string DocumentPath = "api/v1/openapi.json";

    private OcmTestServer _server = null!;
    private HttpClient _alice = null!;
    private JsonObject _document = null!;

    public async Task InitializeAsync()
    {
        _server = await OcmTestServer.StartAsync("127.0.2.1");
        _alice = await _server.CreateUserAsync("alice");
        using var response = await _server.Client.GetAsync(DocumentPath);
        response.EnsureSuccessStatusCode();
        _document = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public async Task DisposeAsync()
    {
        _alice.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Document_IsServedWithoutCredentials_AsJson()
    {
        using var response = await _server.Client.GetAsync(DocumentPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Document_ReadsAsOpenApi31_WithoutErrors()
    {
        var text = await _server.Client.GetStringAsync(DocumentPath);

        var read = OpenApiDocument.Parse(text, "json");

        Assert.NotNull(read.Document);
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Equal(OpenApiSpecVersion.OpenApi3_1, read.Diagnostic.SpecificationVersion);
        var ruleErrors = read.Document.Validate(ValidationRuleSet.GetDefaultRuleSet())!.ToList();
        Assert.True(ruleErrors.Count == 0, string.Join("; ", ruleErrors.Select(e => $"{e.Pointer}: {e.Message}")));
    }

    [Fact]
    public void Document_DescribesEveryMappedApiEndpoint_AndNothingElse()
    {
        var mapped = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Select(e => (Path: OpenApiPath(e.RoutePattern), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Path.StartsWith("/api/v1/", StringComparison.Ordinal) && e.Path != "/" + DocumentPath)
            .SelectMany(e => e.Methods.Select(m => $"{m} {e.Path}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var documented = Paths()
            .SelectMany(p => p.Value!.AsObject().Where(o => IsHttpMethod(o.Key)).Select(o => $"{o.Key.ToUpperInvariant()} {p.Key}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped, documented);
        Assert.All(documented, d => Assert.Contains(" /api/v1/", d, StringComparison.Ordinal));
        // The issue names these; a refactoring that drops one from the map would otherwise only shrink both lists.
        foreach (var operation in new[]
        {
            "POST /api/v1/shares", "GET /api/v1/shares", "GET /api/v1/shares/{id}", "PATCH /api/v1/shares/{id}", "DELETE /api/v1/shares/{id}",
            "GET /api/v1/received-shares", "POST /api/v1/received-shares/{id}/accept", "POST /api/v1/received-shares/{id}/decline",
            "DELETE /api/v1/received-shares/{id}",
        })
        {
            Assert.Contains(operation, documented);
        }
    }

    [Fact]
    public void EveryOperation_NeedsBasicCredentials_AndAnswersErrorsAsProblemDetails()
    {
        var scheme = _document["components"]!["securitySchemes"]!["basic"]!;
        Assert.Equal("http", (string?)scheme["type"]);
        Assert.Equal("basic", (string?)scheme["scheme"]);
        Assert.Single(_document["components"]!["securitySchemes"]!.AsObject());

        foreach (var (name, operation) in Operations())
        {
            Assert.True(operation["operationId"] is not null, $"{name} has no operationId");
            var security = Assert.Single(operation["security"]!.AsArray())!.AsObject();
            Assert.Equal("basic", Assert.Single(security).Key);
            var responses = operation["responses"]!.AsObject();
            Assert.Contains("401", responses.Select(r => r.Key));
            Assert.Contains(responses, r => r.Key.StartsWith('2'));
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                var content = response!["content"]?.AsObject();
                Assert.True(content is not null && content.Count == 1 && content.ContainsKey("application/problem+json"), $"{name} {status}: not application/problem+json");
                Assert.Equal("#/components/schemas/ProblemDetails", (string?)content["application/problem+json"]!["schema"]!["$ref"]);
            }
        }
    }

    [Fact]
    public async Task CreatingAShare_AnswersAsDocumented()
    {
        await _alice.PutFileAsync("alice", "report.txt", "numbers");

        using var badAddress = await _alice.PostAsJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "bob-without-a-server" });
        await AssertDocumentedAsync("POST", "/api/v1/shares", badAddress, HttpStatusCode.BadRequest);

        using var missingFile = await _alice.PostAsJsonAsync("api/v1/shares", new { path = "/nothing.txt", shareWith = "bob@127.0.2.2:9" });
        await AssertDocumentedAsync("POST", "/api/v1/shares", missingFile, HttpStatusCode.NotFound);

        using var unreadable = await _alice.PostAsync("api/v1/shares", new StringContent("{\"path\": ", Encoding.UTF8, "application/json"));
        await AssertDocumentedAsync("POST", "/api/v1/shares", unreadable, HttpStatusCode.BadRequest);

        using var notJson = await _alice.PostAsync("api/v1/shares", new StringContent("path=/report.txt", Encoding.UTF8, "text/plain"));
        await AssertDocumentedAsync("POST", "/api/v1/shares", notJson, HttpStatusCode.UnsupportedMediaType);

        // Beyond the year 9999 is not a time: a 400 that names the field, not a 500 from the date conversion.
        using var farFuture = await _alice.PostAsJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "bob@127.0.2.2:9", expiration = 99_999_999_999_999_999L });
        var farFutureProblem = await AssertDocumentedAsync("POST", "/api/v1/shares", farFuture, HttpStatusCode.BadRequest);
        Assert.Contains("'expiration'", farFutureProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // Nobody listens on port 9: the server is down, the share is kept for the outbox to deliver later (201 all the
        // same, with the reason it waits and the next attempt).
        using var created = await _alice.PostAsJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "bob@127.0.2.2:9", permissions = new[] { "read" } });
        var share = await AssertDocumentedAsync("POST", "/api/v1/shares", created, HttpStatusCode.Created);
        var id = share.GetProperty("id").GetInt64();
        Assert.Contains("cannot be reached right now", share.GetProperty("lastError").GetString(), StringComparison.Ordinal);

        // The same again: a 409 carrying the existing share.
        using var again = await _alice.PostAsJsonAsync("api/v1/shares", new { path = "/report.txt", shareWith = "bob@127.0.2.2:9" });
        var conflict = await AssertDocumentedAsync("POST", "/api/v1/shares", again, HttpStatusCode.Conflict);
        Assert.Equal(id, conflict.GetProperty("existingShare").GetProperty("id").GetInt64());

        using var list = await _alice.GetAsync("api/v1/shares");
        await AssertDocumentedAsync("GET", "/api/v1/shares", list, HttpStatusCode.OK);

        using var one = await _alice.GetAsync($"api/v1/shares/{id}");
        await AssertDocumentedAsync("GET", "/api/v1/shares/{id}", one, HttpStatusCode.OK);

        using var badPermission = await _alice.PatchAsJsonAsync($"api/v1/shares/{id}", new { permissions = new[] { "admin" } });
        await AssertDocumentedAsync("PATCH", "/api/v1/shares/{id}", badPermission, HttpStatusCode.BadRequest);

        using var farFutureChange = await _alice.PatchAsJsonAsync($"api/v1/shares/{id}", new { expiration = long.MaxValue });
        var changeProblem = await AssertDocumentedAsync("PATCH", "/api/v1/shares/{id}", farFutureChange, HttpStatusCode.BadRequest);
        Assert.Contains("'expiration'", changeProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        using var changed = await _alice.PatchAsJsonAsync($"api/v1/shares/{id}", new { permissions = new[] { "read", "write" } });
        await AssertDocumentedAsync("PATCH", "/api/v1/shares/{id}", changed, HttpStatusCode.OK);

        using var deleted = await _alice.DeleteAsync($"api/v1/shares/{id}");
        await AssertDocumentedAsync("DELETE", "/api/v1/shares/{id}", deleted, HttpStatusCode.NoContent);

        using var gone = await _alice.GetAsync($"api/v1/shares/{id}");
        await AssertDocumentedAsync("GET", "/api/v1/shares/{id}", gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ListingReceivedShares_AcceptsExactlyTheDocumentedStates()
    {
        var states = Operation("GET", "/api/v1/received-shares")["parameters"]!.AsArray()
            .Single(p => (string?)p!["name"] == "state")!["schema"]!["enum"]!.AsArray().Select(v => (string)v!).ToList();
        Assert.Equal(["pending", "accepted", "declined", "unshared"], states);

        foreach (var state in states)
        {
            using var response = await _alice.GetAsync($"api/v1/received-shares?state={state}");
            await AssertDocumentedAsync("GET", "/api/v1/received-shares", response, HttpStatusCode.OK);
        }

        using var unknown = await _alice.GetAsync("api/v1/received-shares?state=archived");
        await AssertDocumentedAsync("GET", "/api/v1/received-shares", unknown, HttpStatusCode.BadRequest);

        using var missing = await _alice.PostAsync("api/v1/received-shares/424242/accept", null);
        await AssertDocumentedAsync("POST", "/api/v1/received-shares/{id}/accept", missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task ContactsInvitesAndShareRequests_AnswerAsDocumented()
    {
        using var anonymous = await _server.Client.GetAsync("api/v1/contacts");
        await AssertDocumentedAsync("GET", "/api/v1/contacts", anonymous, HttpStatusCode.Unauthorized);
        Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

        using var contact = await _alice.PostAsJsonAsync("api/v1/contacts", new { address = "carol@127.0.2.3:9", name = "Carol" });
        await AssertDocumentedAsync("POST", "/api/v1/contacts", contact, HttpStatusCode.Created);

        using var contacts = await _alice.GetAsync("api/v1/contacts?search=carol");
        await AssertDocumentedAsync("GET", "/api/v1/contacts", contacts, HttpStatusCode.OK);

        using var badAddress = await _alice.PostAsJsonAsync("api/v1/contacts", new { address = "carol" });
        await AssertDocumentedAsync("POST", "/api/v1/contacts", badAddress, HttpStatusCode.BadRequest);

        using var invite = await _alice.PostAsJsonAsync("api/v1/invites", new { label = "for carol" });
        await AssertDocumentedAsync("POST", "/api/v1/invites", invite, HttpStatusCode.Created);

        using var invites = await _alice.GetAsync("api/v1/invites");
        await AssertDocumentedAsync("GET", "/api/v1/invites", invites, HttpStatusCode.OK);

        using var noInvite = await _alice.DeleteAsync("api/v1/invites/424242");
        await AssertDocumentedAsync("DELETE", "/api/v1/invites/{id}", noInvite, HttpStatusCode.NotFound);

        using var requests = await _alice.GetAsync("api/v1/share-requests?state=all");
        await AssertDocumentedAsync("GET", "/api/v1/share-requests", requests, HttpStatusCode.OK);

        using var noRequest = await _alice.PostAsync("api/v1/share-requests/424242/dismiss", null);
        await AssertDocumentedAsync("POST", "/api/v1/share-requests/{id}/dismiss", noRequest, HttpStatusCode.NotFound);
    }

    [Fact]
    public void DocumentedSchemas_RejectWhatTheServerNeverSends()
    {
        // Guards the conformance checks above against a schema translation that accepts anything.
        var shareView = SchemaOf(new JsonObject { ["$ref"] = "#/components/schemas/ShareView" });

        Assert.False(shareView.Evaluate(JsonDocument.Parse("{\"id\": \"1\"}").RootElement).IsValid);
        Assert.False(shareView.Evaluate(JsonDocument.Parse("[]").RootElement).IsValid);
    }

    /// <summary>
    /// Asserts that the response has the expected status, that the document lists that status for the operation, and
    /// that the body has the documented media type and validates against the documented schema (or that both are empty).
    /// </summary>
    private async Task<JsonElement> AssertDocumentedAsync(string method, string path, HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{method} {path}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");

        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var documented = Operation(method, path)["responses"]![status]
            ?? throw new Xunit.Sdk.XunitException($"{method} {path} answered {status}, which the document does not list");
        var content = documented["content"]?.AsObject();
        if (content is null)
        {
            Assert.True(text.Length == 0, $"{method} {path} {status}: documented without a body, but the server sent {text}");
            return default;
        }

        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var schema = content[mediaType ?? ""]?["schema"]
            ?? throw new Xunit.Sdk.XunitException($"{method} {path} {status}: answered as {mediaType}, documented as {string.Join(", ", content.Select(c => c.Key))}");
        var body = JsonDocument.Parse(text).RootElement.Clone();
        var results = SchemaOf(schema).Evaluate(body, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(results.IsValid, $"{method} {path} {status}: body does not match the documented schema: {Describe(results)}\n{text}");
        return body;
    }

    /// <summary>
    /// An OpenAPI 3.1 schema object is a JSON Schema 2020-12 schema; its references point into the document's
    /// <c>components/schemas</c>, which become <c>$defs</c> of a standalone schema.
    /// </summary>
    private JsonSchema SchemaOf(JsonNode schema)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = _document["components"]!["schemas"]!.DeepClone(),
            ["allOf"] = new JsonArray(schema.DeepClone()),
        };
        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        return JsonSchema.FromText(text, baseUri: new Uri($"https://ocm.test/openapi/{Guid.NewGuid():N}"));
    }

    private static string Describe(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")));

    private JsonObject Operation(string method, string path) =>
        _document["paths"]?[path]?[method.ToLowerInvariant()]?.AsObject()
        ?? throw new Xunit.Sdk.XunitException($"{method} {path} is not in the document");

    private IEnumerable<KeyValuePair<string, JsonNode?>> Paths() => _document["paths"]!.AsObject();

    private IEnumerable<(string Name, JsonObject Operation)> Operations() =>
        Paths().SelectMany(p => p.Value!.AsObject().Where(o => IsHttpMethod(o.Key)).Select(o => ($"{o.Key.ToUpperInvariant()} {p.Key}", o.Value!.AsObject())));

    private static bool IsHttpMethod(string key) => key is "get" or "put" or "post" or "delete" or "options" or "head" or "patch" or "trace";

    /// <summary>A route pattern as an OpenAPI path: <c>/api/v1/shares/{id:long}</c> → <c>/api/v1/shares/{id}</c>.</summary>
    private static string OpenApiPath(Microsoft.AspNetCore.Routing.Patterns.RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(segment => string.Concat(segment.Parts.Select(part => part switch
        {
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart literal => literal.Content,
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart separator => separator.Content,
            _ => throw new InvalidOperationException($"Unexpected route part {part}"),
        }))));
}
