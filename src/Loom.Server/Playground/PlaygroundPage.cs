using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Playground;

/// <summary>
/// The playground's files (index.html, playground.js, playground.css), embedded in this assembly so `loom serve`
/// needs no static folder and no build step. Read once: they never change while the process runs.
/// </summary>
public static class PlaygroundPage
{
    private static readonly Dictionary<string, (byte[] Bytes, string ContentType)> Files = new()
    {
        ["index.html"] = (Read("index.html"), "text/html; charset=utf-8"),
        ["playground.js"] = (Read("playground.js"), "text/javascript; charset=utf-8"),
        ["playground.css"] = (Read("playground.css"), "text/css; charset=utf-8"),
    };

    /// <summary>Maps the page at "/" and "/playground", its assets under "/playground/".</summary>
    public static void Map(WebApplication app)
    {
        app.MapGet("/", () => Serve("index.html"));
        app.MapGet("/playground", () => Serve("index.html"));
        app.MapGet("/playground/{file}", (string file) => Files.ContainsKey(file) ? Serve(file) : Results.NotFound());
    }

    private static IResult Serve(string file)
    {
        var (bytes, type) = Files[file];
        return Results.Bytes(bytes, type);
    }

    private static byte[] Read(string file)
    {
        string name = "Loom.Server.Playground.Assets." + file;
        using var stream = typeof(PlaygroundPage).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded resource '{name}' is missing from {typeof(PlaygroundPage).Assembly.GetName().Name}");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
