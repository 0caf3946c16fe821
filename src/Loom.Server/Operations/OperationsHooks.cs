using Loom.Server.Operations;
using Microsoft.AspNetCore.Builder;

namespace Loom.Server.Hosting;

/// <summary>The operations layer's bodies for the host's hooks (see LoomServerHooks): services, then the guard middleware and /v1/prompts.</summary>
internal static partial class LoomServerHooks
{
    static partial void AddOperations(WebApplicationBuilder web) => web.AddLoomOperations();

    static partial void UseOperations(WebApplication app) => app.UseLoomOperations();
}
