namespace Loom.Tests.Text;

/// <summary>A fact that needs a file or folder under ../shared; reported as skipped, with the path it needs, when
/// that is absent (xunit 2 has no skip from inside a test).</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute(string relativePath)
    {
        if (TestPaths.Shared is not { } shared || !Path.Exists(Path.Combine(shared, relativePath)))
            Skip = $"needs ../shared/{relativePath}";
    }
}
