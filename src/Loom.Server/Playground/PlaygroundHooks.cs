using Loom.Server.Playground;
using Microsoft.AspNetCore.Builder;

namespace Loom.Server.Hosting;

/// <summary>The playground's side of the host hook (see LoomServerHooks).</summary>
internal static partial class LoomServerHooks
{
    static partial void MapPlayground(WebApplication app) => PlaygroundPage.Map(app);
}
