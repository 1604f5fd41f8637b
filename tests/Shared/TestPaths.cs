namespace Ocm.Testing;

/// <summary>
/// Finds the public test vectors (RFC 9421, RFC 9530, draft-cavage and OCM examples). They are never committed: CI
/// keeps them in <c>../shared/vectors</c> beside the checkout (any ancestor folder's <c>shared/vectors</c> is found), or
/// <c>OCM_SHARED_DIR</c> names the folder that holds <c>vectors</c>. Tests that read them are marked
/// <see cref="VectorFactAttribute"/> / <see cref="VectorTheoryAttribute"/> and are skipped, with <see cref="MissingReason"/>,
/// on a clone without them.
/// </summary>
internal static class TestPaths
{
    /// <summary>The environment variable that points at the folder holding <c>vectors</c>.</summary>
    public const string SharedDirVariable = "OCM_SHARED_DIR";

    private static readonly Lazy<string?> SharedDir = new(FindShared);

    /// <summary>True when the vectors were found (then no vector test may be skipped).</summary>
    public static bool VectorsAvailable => SharedDir.Value is not null;

    /// <summary>Why the vector tests are skipped: what was looked for, and how to provide it.</summary>
    public static string MissingReason
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable(SharedDirVariable);
            var looked = string.IsNullOrEmpty(fromEnv)
                ? $"no 'shared/vectors' folder beside the checkout or above {AppContext.BaseDirectory}, and {SharedDirVariable} is not set"
                : $"{SharedDirVariable}={fromEnv} has no 'vectors' folder";
            return $"public test vectors not found ({looked}); put them at ../shared/vectors next to the repository, "
                + $"or set {SharedDirVariable} to the folder that contains 'vectors'";
        }
    }

    /// <summary>The folder that holds <c>vectors</c>.</summary>
    /// <exception cref="DirectoryNotFoundException">The vectors are not there; the message says how to provide them.</exception>
    public static string Shared => SharedDir.Value ?? throw new DirectoryNotFoundException(MissingReason);

    public static string Vectors => Path.Combine(Shared, "vectors");

    public static string Vector(params string[] parts) => Path.Combine([Vectors, .. parts]);

    private static string? FindShared()
    {
        var fromEnv = Environment.GetEnvironmentVariable(SharedDirVariable);
        if (!string.IsNullOrEmpty(fromEnv))
        {
            // An explicit setting wins, also when it is wrong: a typo must not silently pick up another copy.
            return Directory.Exists(Path.Combine(fromEnv, "vectors")) ? fromEnv : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "vectors")))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that reads the public test vectors: skipped, naming what is missing, when they are not there.</summary>
internal sealed class VectorFactAttribute : FactAttribute
{
    public VectorFactAttribute()
    {
        if (!TestPaths.VectorsAvailable)
        {
            Skip = TestPaths.MissingReason;
        }
    }
}

/// <summary>A theory that reads the public test vectors: skipped, naming what is missing, when they are not there.</summary>
internal sealed class VectorTheoryAttribute : TheoryAttribute
{
    public VectorTheoryAttribute()
    {
        if (!TestPaths.VectorsAvailable)
        {
            Skip = TestPaths.MissingReason;
        }
    }
}
