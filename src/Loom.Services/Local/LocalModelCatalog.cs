using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Inference;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Models.Transformer;
using Loom.Services.Models;

namespace Loom.Services.Local;

/// <summary>
/// The models in one directory: each <c>*.gguf</c> file (id = file name without extension) and each sub-directory
/// with a loom.json (id = directory name) of family transformer-lm (chat, completion) or an image family (images).
/// The directory is rescanned on every <see cref="List"/> and on an unknown id (a directory listing: cheap). A model
/// loads on its first <see cref="AcquireAsync"/> — concurrent first requests share one load — and is unloaded once
/// it has been idle (no lease) for <see cref="LocalModelCatalogOptions.IdleTimeout"/>.
/// </summary>
public sealed class LocalModelCatalog : IModelCatalog, IDisposable
{
    private readonly LocalModelCatalogOptions _options;
    private readonly Dictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private readonly ITimer? _sweeper;
    private Dictionary<string, ServedModelInfo> _known = new(StringComparer.Ordinal);
    private bool _disposed;

    public LocalModelCatalog(LocalModelCatalogOptions options)
    {
        _options = options;
        if (!System.IO.Directory.Exists(options.Directory))
            throw new LoomException(LoomErrorCode.FileNotFound, $"models directory '{options.Directory}' does not exist");
        if (options.SweepInterval is { } every) _sweeper = options.Time.CreateTimer(_ => UnloadIdle(), null, every, every);
    }

    /// <summary>Ids of the models loaded now.</summary>
    public IReadOnlyList<string> Loaded
    {
        get { lock (_gate) return [.. _slots.Where(s => s.Value.Load.IsCompletedSuccessfully).Select(s => s.Key).Order(StringComparer.Ordinal)]; }
    }

    public IReadOnlyList<ServedModelInfo> List() => [.. Scan().Values.OrderBy(m => m.Id, StringComparer.Ordinal)];

    public async ValueTask<ModelLease> AcquireAsync(string id, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        Slot slot;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_slots.TryGetValue(id, out slot!))
            {
                var known = _known.TryGetValue(id, out var info) ? info : Scan().GetValueOrDefault(id);
                if (known is null)
                {
                    throw new LoomException(LoomErrorCode.NotFound,
                        $"model '{id}' not found in '{_options.Directory}'; known models: {(_known.Count == 0 ? "(none)" : string.Join(", ", _known.Keys.Order(StringComparer.Ordinal)))}");
                }
                slot = new Slot(known, Task.Run(() => Load(known)));
                _slots[id] = slot;
            }
            slot.Leases++;
        }
        IServedModel model;
        try
        {
            model = await slot.Load.WaitAsync(cancellation).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
            {
                slot.Leases--;
                // A failed load is forgotten so a fixed file can be tried again.
                if (slot.Load.IsFaulted && _slots.TryGetValue(id, out var current) && current == slot) _slots.Remove(id);
            }
            throw;
        }
        return new ModelLease(model, () =>
        {
            lock (_gate)
            {
                slot.Leases--;
                slot.LastUsed = _options.Time.GetUtcNow();
            }
        });
    }

    /// <summary>Unloads every loaded model without a lease whose last use is at least the idle timeout ago.
    /// Returns the ids unloaded.</summary>
    public IReadOnlyList<string> UnloadIdle()
    {
        var unloaded = new List<(string Id, Slot Slot)>();
        lock (_gate)
        {
            var now = _options.Time.GetUtcNow();
            foreach (var (id, slot) in _slots)
            {
                if (slot.Leases == 0 && slot.Load.IsCompletedSuccessfully && now - slot.LastUsed >= _options.IdleTimeout) unloaded.Add((id, slot));
            }
            foreach (var (id, _) in unloaded) _slots.Remove(id);
        }
        foreach (var (_, slot) in unloaded) (slot.Load.Result as IDisposable)?.Dispose();
        return [.. unloaded.Select(u => u.Id)];
    }

    public void Dispose()
    {
        List<Slot> slots;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            slots = [.. _slots.Values];
            _slots.Clear();
        }
        _sweeper?.Dispose();
        foreach (var slot in slots)
        {
            if (slot.Load.IsCompletedSuccessfully) (slot.Load.Result as IDisposable)?.Dispose();
        }
    }

    private Dictionary<string, ServedModelInfo> Scan()
    {
        var found = new Dictionary<string, ServedModelInfo>(StringComparer.Ordinal);
        foreach (string file in System.IO.Directory.EnumerateFiles(_options.Directory, "*.gguf"))
        {
            found[Path.GetFileNameWithoutExtension(file)] = new ServedModelInfo(Path.GetFileNameWithoutExtension(file),
                ModelCapabilities.Chat | ModelCapabilities.Completion | ModelCapabilities.Embeddings, "gguf", file, File.GetLastWriteTimeUtc(file));
        }
        foreach (string dir in System.IO.Directory.EnumerateDirectories(_options.Directory))
        {
            string? family = Family(dir);
            if (family is null) continue;
            string id = Path.GetFileName(dir);
            if (family == TransformerLmDirectory.Family)
                found[id] = new ServedModelInfo(id, ModelCapabilities.Chat | ModelCapabilities.Completion, family, dir, System.IO.Directory.GetLastWriteTimeUtc(dir));
            else if (ImageFamilies.All.Any(f => string.Equals(f.Name, family, StringComparison.OrdinalIgnoreCase)))
                found[id] = new ServedModelInfo(id, ModelCapabilities.Images, family, dir, System.IO.Directory.GetLastWriteTimeUtc(dir));
        }
        lock (_gate) _known = found;
        return found;
    }

    // The family a model directory's loom.json names; null for folders that are not model directories (or whose
    // loom.json cannot be read: they are not listed, and loading one by id reports why).
    private static string? Family(string dir)
    {
        string manifest = Path.Combine(dir, ModelDirectory.ManifestFileName);
        if (!File.Exists(manifest)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(manifest))?["family"]?.GetValue<string>();
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException or IOException)
        {
            return null;
        }
    }

    private IServedModel Load(ServedModelInfo info)
    {
        if (info.Kind == "gguf")
        {
            var model = LlmModel.Load(info.Path, _options.ContextLength);
            try
            {
                return new GgufServedModel(info, model, _options.Batching, _options.Constraints);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }
        if (info.Kind == TransformerLmDirectory.Family)
            return new TransformerServedModel(info, TransformerLmDirectory.Load(info.Path), _options.Constraints);
        return new ImageServedModel(info, ImageFamilies.Load(info.Path));
    }

    private sealed class Slot(ServedModelInfo info, Task<IServedModel> load)
    {
        public ServedModelInfo Info { get; } = info;
        public Task<IServedModel> Load { get; } = load;
        public int Leases { get; set; }
        public DateTimeOffset LastUsed { get; set; }
    }
}
