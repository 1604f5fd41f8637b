using System.Text.Json.Serialization;

namespace Ocm.Hosting;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LivenessStatus))]
[JsonSerializable(typeof(ReadinessReport))]
internal sealed partial class HostingJsonContext : JsonSerializerContext;
