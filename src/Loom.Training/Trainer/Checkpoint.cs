using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Formats;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Training.Trainer;

/// <summary>
/// A training checkpoint on disk: a directory holding weight files named after their step
/// (<c>model-00000100.safetensors</c>, <c>optimizer-…</c>, <c>ema-…</c>) and a manifest, <c>checkpoint.json</c>,
/// that lists them with their SHA-256 and holds the small state (step, generators, options).
/// </summary>
/// <remarks>
/// Why this shape: every file is written under a temporary name and renamed (<see cref="AtomicFile"/>), and the
/// manifest is replaced last. Until that rename the old manifest still points at the old step's files, which are
/// left alone, so a crash or a full disk at any moment leaves the previous checkpoint loadable. Files no manifest
/// names are removed only after the new manifest is in place. The checksums turn a damaged file into a clear error
/// instead of silently wrong weights.
/// </remarks>
public static class Checkpoint
{
    /// <summary>The checkpoint's folder inside a run's output directory.</summary>
    public const string DirectoryName = "checkpoint";

    public const string ManifestName = "checkpoint.json";

    private const string Format = "loom-checkpoint";
    private const int Version = 1;

    /// <summary>Whether <paramref name="directory"/> holds a checkpoint manifest (it may still be corrupt).</summary>
    public static bool Exists(string directory) => File.Exists(Path.Combine(directory, ManifestName));

    public static void Save(string directory, CheckpointContent content)
    {
        Directory.CreateDirectory(directory);
        string stamp = content.Step.ToString("D8", CultureInfo.InvariantCulture);
        var files = new JsonObject();
        files["model"] = WriteTensors(directory, $"model-{stamp}.safetensors",
            content.Model.Select(kv => new NamedTensor(kv.Key, kv.Value.ShapeArray, kv.Value.ToArray())).ToList());
        files["optimizer"] = WriteTensors(directory, $"optimizer-{stamp}.safetensors",
            content.Optimizer.Buffers.Select(kv => new NamedTensor(kv.Key, [kv.Value.Length], kv.Value)).ToList());
        if (content.Ema is { } ema)
            files["ema"] = WriteTensors(directory, $"ema-{stamp}.safetensors",
                ema.Weights.Select(kv => new NamedTensor(kv.Key, kv.Value.ShapeArray, kv.Value.ToArray())).ToList());

        var parameterSteps = new JsonObject();
        foreach (var (name, steps) in content.Optimizer.ParameterSteps) parameterSteps[name] = steps;
        var taskRandoms = new JsonObject();
        foreach (var (name, state) in content.TaskRandoms) taskRandoms[name] = RandomToJson(state);
        var manifest = new JsonObject
        {
            ["format"] = Format,
            ["version"] = Version,
            ["step"] = content.Step,
            ["plannedSteps"] = content.PlannedSteps,
            ["elapsedSeconds"] = content.ElapsedSeconds,
            ["files"] = files,
            ["optimizer"] = new JsonObject
            {
                ["kind"] = content.Optimizer.Kind,
                ["stepCount"] = content.Optimizer.StepCount,
                ["learningRate"] = content.Optimizer.LearningRate,
                ["parameterSteps"] = parameterSteps,
            },
            ["emaUpdates"] = content.Ema?.Updates,
            ["loopRandom"] = RandomToJson(content.LoopRandom),
            ["taskRandoms"] = taskRandoms,
            ["taskState"] = content.TaskState?.DeepClone(),
            ["options"] = JsonSerializer.SerializeToNode(content.Options),
            ["run"] = content.Run?.DeepClone(),
        };
        AtomicFile.WriteAllText(Path.Combine(directory, ManifestName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        RemoveUnlisted(directory, files);
    }

    /// <summary>
    /// Reads the manifest only (no weights): the step, options and run settings, e.g. to rebuild the task before
    /// loading. A missing or malformed manifest is a LoomException naming the file.
    /// </summary>
    public static CheckpointManifest ReadManifest(string directory)
    {
        string path = Path.Combine(directory, ManifestName);
        if (!File.Exists(path))
            throw new LoomException(LoomErrorCode.FileNotFound, $"{directory}: no checkpoint here (no {ManifestName})");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new JsonException("empty document");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw Corrupt(path, $"the manifest is not valid JSON ({e.Message})", e);
        }
        try
        {
            if ((string?)root["format"] != Format) throw Corrupt(path, $"not a Loom checkpoint manifest (format is not '{Format}')");
            int version = (int)Field(root, "version", path);
            if (version != Version) throw Corrupt(path, $"checkpoint version {version} is not supported (expected {Version})");
            var options = Field(root, "options", path).Deserialize<TrainerOptions>() ?? throw Corrupt(path, "the manifest's options are null");
            return new CheckpointManifest(path, root, (long)Field(root, "step", path), (long)Field(root, "plannedSteps", path),
                (double)Field(root, "elapsedSeconds", path), options, root["run"]?.AsObject());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Corrupt(path, $"a field of the manifest has the wrong type ({e.Message})", e);
        }
    }

    /// <summary>Loads and verifies a checkpoint: every file must exist and match its checksum.</summary>
    public static CheckpointContent Load(string directory)
    {
        var manifest = ReadManifest(directory);
        var root = manifest.Json;
        string path = manifest.Path;
        try
        {
            var files = Field(root, "files", path).AsObject();
            var model = ReadTensors(directory, Field(files, "model", path), path);
            var optimizerFile = ReadTensors(directory, Field(files, "optimizer", path), path);
            var optimizerJson = Field(root, "optimizer", path).AsObject();
            var optimizer = new OptimizerState((string)Field(optimizerJson, "kind", path)!, (long)Field(optimizerJson, "stepCount", path),
                (float)Field(optimizerJson, "learningRate", path));
            foreach (var (name, steps) in Field(optimizerJson, "parameterSteps", path).AsObject())
                optimizer.ParameterSteps[name] = (long)(steps ?? throw Corrupt(path, $"the step count of '{name}' is null"));
            foreach (var (name, tensor) in optimizerFile) optimizer.Buffers[name] = tensor.ToArray();
            (IReadOnlyDictionary<string, Tensor>, long)? ema = files["ema"] is { } emaFile
                ? (ReadTensors(directory, emaFile, path), (long)Field(root, "emaUpdates", path))
                : null;
            var taskRandoms = new Dictionary<string, ulong[]>();
            foreach (var (name, state) in Field(root, "taskRandoms", path).AsObject())
                taskRandoms[name] = RandomFromJson(state ?? throw Corrupt(path, $"the state of generator '{name}' is null"), path);
            return new CheckpointContent
            {
                Step = manifest.Step,
                PlannedSteps = manifest.PlannedSteps,
                ElapsedSeconds = manifest.ElapsedSeconds,
                Model = model,
                Optimizer = optimizer,
                Ema = ema,
                LoopRandom = RandomFromJson(Field(root, "loopRandom", path), path),
                TaskRandoms = taskRandoms,
                TaskState = root["taskState"] is { } taskState ? taskState.AsObject() : null,
                Options = manifest.Options,
                Run = manifest.Run,
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw Corrupt(path, $"a field of the manifest has the wrong type ({e.Message})", e);
        }
    }

    // A field the manifest must have; its absence is a corrupt checkpoint, named.
    private static JsonNode Field(JsonObject parent, string name, string manifestPath) =>
        parent[name] ?? throw Corrupt(manifestPath, $"the manifest is missing the field '{name}'");

    private static JsonObject WriteTensors(string directory, string name, List<NamedTensor> tensors)
    {
        string path = Path.Combine(directory, name);
        Safetensors.Save(path, tensors);
        return new JsonObject { ["name"] = name, ["bytes"] = new FileInfo(path).Length, ["sha256"] = Sha256(path) };
    }

    private static OrderedDictionary<string, Tensor> ReadTensors(string directory, JsonNode entry, string manifestPath)
    {
        string name = (string)Field(entry.AsObject(), "name", manifestPath)!;
        if (name != Path.GetFileName(name)) throw Corrupt(manifestPath, $"file name '{name}' points outside the checkpoint");
        string path = Path.Combine(directory, name);
        if (!File.Exists(path)) throw Corrupt(manifestPath, $"{name} is missing");
        long bytes = (long)Field(entry.AsObject(), "bytes", manifestPath);
        if (new FileInfo(path).Length != bytes || Sha256(path) != (string?)Field(entry.AsObject(), "sha256", manifestPath))
            throw Corrupt(manifestPath, $"{name} does not match its checksum (the file is damaged or was changed)");
        var dict = new OrderedDictionary<string, Tensor>();
        foreach (var t in Safetensors.Load(path).Tensors) dict.Add(t.Name, new Tensor(t.Data, t.Shape));
        return dict;
    }

    // Removes earlier steps' files and temporaries left by an interrupted save; the current manifest names the rest.
    private static void RemoveUnlisted(string directory, JsonObject files)
    {
        var keep = files.Select(f => (string)f.Value!["name"]!).Append(ManifestName).ToHashSet(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(directory))
        {
            string name = Path.GetFileName(path);
            if (keep.Contains(name)) continue;
            bool ours = name.EndsWith(".safetensors", StringComparison.Ordinal) || name.EndsWith(".tmp", StringComparison.Ordinal);
            if (!ours) continue;
            try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    // Generator words as hex strings: JSON readers other than .NET's lose precision on 64-bit integers.
    private static JsonArray RandomToJson(ulong[] state) =>
        new(state.Select(w => (JsonNode?)JsonValue.Create(w.ToString("x16", CultureInfo.InvariantCulture))).ToArray());

    private static ulong[] RandomFromJson(JsonNode node, string manifestPath)
    {
        var words = node.AsArray().Select(w => ulong.Parse((string?)w ?? "", NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        return words.Length == 6 ? words : throw Corrupt(manifestPath, $"a generator state has {words.Length} words, expected 6");
    }

    private static LoomException Corrupt(string manifestPath, string detail, Exception? inner = null) =>
        new(LoomErrorCode.InvalidFormat,
            $"{manifestPath}: corrupt checkpoint: {detail}; delete {Path.GetDirectoryName(manifestPath)} to start over", inner);
}

/// <summary>A checkpoint's manifest: its small state, readable without loading any weights.</summary>
public sealed record CheckpointManifest(string Path, JsonObject Json, long Step, long PlannedSteps, double ElapsedSeconds,
    TrainerOptions Options, JsonObject? Run);
