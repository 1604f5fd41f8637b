using System.CommandLine;

namespace Ocm.Federation;

internal static class DiscoverCommand
{
    public static Command Create() => new("discover", "Discover a remote OCM server.");
}
