using Loom.Services.Models;

namespace Loom.Server.Hosting;

/// <summary>The catalog `loom serve` uses when none is given: the models in <see cref="ServerOptions.Models"/>.</summary>
public static class DefaultCatalog
{
    public static IModelCatalog Create(ServerOptions options) => new EmptyCatalog(options.Models);

    /// <summary>Stand-in until the local catalog (Loom.Services.Local) is available: serves nothing.</summary>
    private sealed class EmptyCatalog(string directory) : IModelCatalog
    {
        public IReadOnlyList<ServedModelInfo> List() => [];

        public ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default) =>
            throw new Loom.Core.LoomException(Loom.Core.LoomErrorCode.FileNotFound, $"model '{id}' is not in {directory}");
    }
}
