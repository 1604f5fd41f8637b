namespace Ocm.Files;

/// <summary>Section <c>Ocm:Files</c>: where and how file contents are stored.</summary>
internal sealed record FilesOptions
{
    public const string Section = "Ocm:Files";

    /// <summary>
    /// Flush every upload to the disk (fsync) before it becomes visible. Default true: a power cut then never leaves
    /// a file whose metadata is committed but whose content is not. Turning it off only protects against process crashes.
    /// </summary>
    public bool FlushToDisk { get; init; } = true;

    /// <summary>Where contents are kept. Default <c>{DataDir}/files</c>.</summary>
    public string? Root { get; init; }

    /// <summary>Every error at once.</summary>
    public IEnumerable<string> Validate()
    {
        if (Root is null)
        {
            yield break;
        }

        if (string.IsNullOrWhiteSpace(Root))
        {
            yield return "Ocm:Files:Root is empty; name a directory, or leave it unset for {DataDir}/files.";
        }
        else if (Root.Contains('\0', StringComparison.Ordinal))
        {
            yield return "Ocm:Files:Root contains a NUL character, which no path can hold.";
        }
    }
}
