using System.Text.Json;
using Ocm.Protocol.Validation;

namespace Ocm.Protocol.Errors;

/// <summary>
/// Reads a peer's error body leniently: the spec's <c>{message, validationErrors}</c>, reva's <c>{code, message}</c>,
/// Nextcloud's <c>{message, error: true}</c>, Seafile's <c>{error_msg}</c>.
/// </summary>
internal static class OcmErrorReader
{
    public static OcmError Read(JsonElement root)
    {
        var o = new JsonObjectReader(root, string.Empty, new ValidationCollector());
        var message = o.LenientString("message", "error_msg", "code", "error") ?? string.Empty;
        List<OcmValidationError>? list = null;
        if (o.TryGet("validationErrors", out var errors) && errors.ValueKind == JsonValueKind.Array)
        {
            list = [];
            foreach (var item in errors.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var entry = new JsonObjectReader(item, string.Empty, new ValidationCollector());
                list.Add(new OcmValidationError(entry.LenientString("name") ?? string.Empty, entry.LenientString("message") ?? string.Empty));
            }
        }

        return new OcmError { Message = message, ValidationErrors = list };
    }
}
