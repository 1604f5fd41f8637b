using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Ocm.Testing;

/// <summary>
/// The OCM discovery JSON Schema of the public test vectors (see <see cref="TestPaths"/>), with one documented correction: the schema marks
/// <c>inviteAcceptDialog</c> as <c>format: uri</c> (absolute), while the specification text (OCM §OCM API
/// Discovery › Fields) defines it as a URL <em>path</em> that a WAYF page appends to the invitee's host, and its own
/// example is a path. We publish the path, so for that one field the check is <c>uri-reference</c> and the callers
/// additionally assert it is an absolute path. A second one: the schema still has the ≤1.3 <c>protocols.webapp</c>, a
/// documentation-only path string, where OCM 1.4 (§OCM API Discovery › protocols) has an empty object (<c>"webapp": {}</c>,
/// the form the specification's own example uses and ours sends); both are accepted.
/// </summary>
internal static class DiscoverySchema
{
    private static readonly Lazy<JsonSchema> Schema = new(Load);

    public static JsonSchema Value => Schema.Value;

    public static EvaluationResults Evaluate(JsonElement document) =>
        Value.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });

    public static string Describe(EvaluationResults results) =>
        string.Join("; ", (results.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => d.InstanceLocation + ": " + e.Value)));

    private static JsonSchema Load()
    {
        var node = JsonNode.Parse(File.ReadAllText(TestPaths.Vector("ocm", "schemas", "ocm-discovery.schema.json")))!;
        var field = node["properties"]?["inviteAcceptDialog"]
            ?? throw new InvalidOperationException("The discovery schema no longer describes inviteAcceptDialog; revisit DiscoverySchema.");
        field["format"] = "uri-reference";
        var webapp = node["$defs"]?["protocols"]?["properties"]?["webapp"]
            ?? throw new InvalidOperationException("The discovery schema no longer describes protocols.webapp; revisit DiscoverySchema.");
        node["$defs"]!["protocols"]!["properties"]!["webapp"] = new JsonObject
        {
            ["oneOf"] = new JsonArray(webapp.DeepClone(), new JsonObject { ["type"] = "object", ["maxProperties"] = 0 }),
        };
        return JsonSchema.FromText(node.ToJsonString());
    }
}
