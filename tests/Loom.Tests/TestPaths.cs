using System.Reflection;

namespace Loom.Tests;

/// <summary>Where the repository and the shared data sets are, wherever the test assembly was built to.</summary>
public static class TestPaths
{
    public static string RepoRoot { get; } = typeof(TestPaths).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    /// <summary>../shared beside the repository, or null when it is absent (tests that need it skip, saying so).</summary>
    public static string? Shared
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
            return Directory.Exists(path) ? path : null;
        }
    }
}
