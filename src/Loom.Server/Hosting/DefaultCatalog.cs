using Loom.Services.Local;
using Loom.Services.Models;

namespace Loom.Server.Hosting;

/// <summary>The catalog `loom serve` uses when none is given: the local models in <see cref="ServerOptions.Models"/>.</summary>
public static class DefaultCatalog
{
    public static IModelCatalog Create(ServerOptions options) => new LocalModelCatalog(new LocalModelCatalogOptions
    {
        Directory = Path.GetFullPath(options.Models),
        IdleTimeout = TimeSpan.FromSeconds(options.IdleUnloadSeconds),
        ContextLength = options.ContextLength,
    });
}
