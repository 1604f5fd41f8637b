using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Ocm.Testing;

/// <summary>
/// The OCM discovery JSON Schema of the public test vectors (see <see cref="TestPaths"/>), with one documented correction: the schema marks
/// <c>inviteAcceptDialog</c> as <c>format: uri</c> (absolute), while the specification text (OCM §OCM API
/// Discovery › Fields) defines it as a URL <em>path</em> that a WAYF page appends to the invitee's host, and its own
/// example is a path. We publish the path, so for that one field the check is <c>uri-reference</c> and the callers
/// additionally assert it is an absolute path.
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
        return JsonSchema.FromText(node.ToJsonString());
    }
}
