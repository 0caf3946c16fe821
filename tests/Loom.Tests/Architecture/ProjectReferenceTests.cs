using System.Xml.Linq;

namespace Loom.Tests.Architecture;

/// <summary>
/// Dependencies point one way (DESIGN.md): a project may reference only the projects above it in the layer list.
/// This test reads every src/*.csproj and fails naming the reference that breaks the rule.
/// </summary>
public class ProjectReferenceTests
{
    // Layer order, top first. A project may reference only projects earlier in this list.
    private static readonly string[] Layers =
    [
        "Loom.Core", "Loom.Kernels", "Loom.Formats", "Loom.Tensors", "Loom.Nn", "Loom.Text", "Loom.Training",
        "Loom.Models", "Loom.Inference", "Loom.Evaluation", "Loom.Rag", "Loom.Safety", "Loom.Services",
        "Loom.Server", "Loom.Cli",
    ];

    // Exceptions to the plain order, each with its reason.
    private static readonly HashSet<(string From, string To)> Forbidden =
    [
        ("Loom.Inference", "Loom.Tensors"), // inference does not pay for autograd
        ("Loom.Inference", "Loom.Nn"),
    ];

    [Fact]
    public void Every_source_project_references_only_layers_above_it()
    {
        var src = Path.Combine(TestPaths.RepoRoot, "src");
        var projects = Directory.GetFiles(src, "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        var violations = new List<string>();
        foreach (var project in projects)
        {
            string name = Path.GetFileNameWithoutExtension(project);
            int layer = Array.IndexOf(Layers, name);
            if (layer < 0)
            {
                violations.Add($"{name} is not in the layer list; add it to DESIGN order");
                continue;
            }
            foreach (var reference in XDocument.Load(project).Descendants("ProjectReference"))
            {
                string target = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value);
                int targetLayer = Array.IndexOf(Layers, target);
                if (targetLayer < 0 || targetLayer >= layer || Forbidden.Contains((name, target)))
                    violations.Add($"{name} must not reference {target}");
            }
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void Core_references_no_packages()
    {
        var core = Path.Combine(TestPaths.RepoRoot, "src", "Loom.Core", "Loom.Core.csproj");
        Assert.Empty(XDocument.Load(core).Descendants("PackageReference"));
    }
}
