using Microsoft.AspNetCore.Builder;

namespace Loom.Server.Hosting;

/// <summary>
/// Where the operations layer (src/Loom.Server/Operations: keys, limits, cache, audit, prompts) and the playground
/// (src/Loom.Server/Playground) plug into the host. Each is a partial method: the part that implements it adds a file
/// of its own with the body (e.g. <c>static partial void AddOperations(WebApplicationBuilder web) =>
/// web.Services.AddLoomOperations(web.Configuration);</c>); without one, the call compiles to nothing.
/// Pipeline order (LoomServerBuilder.Build): errors → metrics → operations (UseOperations) → endpoints →
/// playground (MapPlayground) → 404 fallback.
/// </summary>
internal static partial class LoomServerHooks
{
    /// <summary>Services of the operations layer; ServerOptions is already registered.</summary>
    static partial void AddOperations(WebApplicationBuilder web);

    /// <summary>Middleware of the operations layer, between error handling and the endpoints.</summary>
    static partial void UseOperations(WebApplication app);

    /// <summary>Maps the playground page at "/" and "/playground".</summary>
    static partial void MapPlayground(WebApplication app);

    public static void ConfigureServices(WebApplicationBuilder web) => AddOperations(web);

    public static void ConfigureMiddleware(WebApplication app) => UseOperations(app);

    public static void ConfigurePages(WebApplication app) => MapPlayground(app);
}
