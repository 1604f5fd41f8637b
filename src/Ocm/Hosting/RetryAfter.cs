using System.Globalization;

namespace Ocm.Hosting;

/// <summary>The <c>Retry-After</c> header (RFC 9110 §10.2.3) in whole seconds, never less than one.</summary>
internal static class RetryAfter
{
    public static void Set(HttpResponse response, TimeSpan wait) =>
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
}
