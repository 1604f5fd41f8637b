using System.Text.Json.Serialization;

namespace Ocm.Hosting;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(HealthStatus))]
internal sealed partial class HostingJsonContext : JsonSerializerContext;
