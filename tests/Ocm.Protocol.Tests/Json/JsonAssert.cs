using System.Text.Json;

namespace Ocm.Protocol.Tests.Json;

/// <summary>Semantic JSON comparison: member order and formatting do not matter.</summary>
internal static class JsonAssert
{
    /// <summary>
    /// Asserts every member of <paramref name="expected"/> has an equal value in <paramref name="actual"/>, except
    /// the dotted paths in <paramref name="ignored"/> (a path ignores its whole subtree).
    /// </summary>
    public static void Subset(JsonElement expected, JsonElement actual, params string[] ignored) =>
        Compare(expected, actual, string.Empty, new HashSet<string>(ignored, StringComparer.Ordinal));

    private static void Compare(JsonElement expected, JsonElement actual, string path, HashSet<string> ignored)
    {
        if (ignored.Contains(path))
        {
            return;
        }

        if (expected.ValueKind == JsonValueKind.Object)
        {
            Assert.True(actual.ValueKind == JsonValueKind.Object, $"'{path}' should be an object but is {actual.ValueKind}");
            foreach (var member in expected.EnumerateObject())
            {
                var childPath = path.Length == 0 ? member.Name : path + "." + member.Name;
                if (ignored.Contains(childPath))
                {
                    continue;
                }

                Assert.True(actual.TryGetProperty(member.Name, out var value), $"'{childPath}' is missing");
                Compare(member.Value, value, childPath, ignored);
            }

            return;
        }

        Assert.True(JsonElement.DeepEquals(expected, actual), $"'{path}': expected {expected.GetRawText()} but got {actual.GetRawText()}");
    }
}
