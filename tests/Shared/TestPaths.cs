namespace Ocm.Testing;

/// <summary>Finds the shared test vectors (`../shared/vectors` beside the checkout, or OCM_SHARED_DIR).</summary>
internal static class TestPaths
{
    private static readonly Lazy<string> SharedDir = new(FindShared);

    public static string Shared => SharedDir.Value;

    public static string Vectors => Path.Combine(Shared, "vectors");

    public static string Vector(params string[] parts) => Path.Combine([Vectors, .. parts]);

    private static string FindShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable("OCM_SHARED_DIR");
        if (!string.IsNullOrEmpty(fromEnv) && Directory.Exists(Path.Combine(fromEnv, "vectors")))
        {
            return fromEnv;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "vectors")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            "Cannot find the shared test vectors: expected a 'shared/vectors' folder beside the checkout or OCM_SHARED_DIR.");
    }
}
