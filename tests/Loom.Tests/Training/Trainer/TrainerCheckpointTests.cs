using Loom.Core;
using Loom.Training.Trainer;

namespace Loom.Tests.Training.Trainer;

public class TrainerCheckpointTests
{
    private static TrainerOptions Options(string outDir, long steps) =>
        new() { Steps = steps, WarmupSteps = 1, CheckpointEvery = 4, EvalEvery = 0, OutDir = outDir, EmaDecay = 0.5f };

    private static string CheckpointDir(string outDir) => Path.Combine(outDir, Checkpoint.DirectoryName);

    [Fact]
    public void Failure_while_writing_a_checkpoint_leaves_the_previous_one_loadable()
    {
        using var dir = new TempDirectory();
        string checkpoint = CheckpointDir(dir.Path);
        // A directory squatting on the name of step 8's optimizer file makes that write fail after the model file
        // for step 8 is already on disk: the state of a crash in the middle of a checkpoint.
        Directory.CreateDirectory(Path.Combine(checkpoint, "optimizer-00000008.safetensors"));
        Assert.ThrowsAny<IOException>(() => TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 10)));
        Assert.True(File.Exists(Path.Combine(checkpoint, "model-00000008.safetensors")));

        var loaded = Checkpoint.Load(checkpoint);
        Assert.Equal(4, loaded.Step);
        Assert.DoesNotContain(Directory.GetFiles(checkpoint), f => f.EndsWith(".tmp", StringComparison.Ordinal));

        // The next successful save replaces it and clears the half-written step's files.
        Directory.Delete(Path.Combine(checkpoint, "optimizer-00000008.safetensors"));
        var summary = TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 10) with { Resume = true });
        Assert.Equal(4, summary.ResumedFromStep);
        Assert.Equal(10, Checkpoint.Load(checkpoint).Step);
        Assert.Equal(["checkpoint.json", "ema-00000010.safetensors", "model-00000010.safetensors", "optimizer-00000010.safetensors"],
            Directory.GetFileSystemEntries(checkpoint).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Checkpoint_round_trips_weights_optimizer_generators_and_run_settings()
    {
        using var dir = new TempDirectory();
        var task = new ToyTask();
        var run = new System.Text.Json.Nodes.JsonObject { ["data"] = "names.txt" };
        TrainingLoop.Run(task, Options(dir.Path, steps: 5) with { Run = run });
        var loaded = Checkpoint.Load(CheckpointDir(dir.Path));
        Assert.Equal(5, loaded.Step);
        Assert.Equal(5, loaded.PlannedSteps);
        Assert.Equal(task.Model.First.Weight.Data.ToArray(), loaded.Model["first.weight"].ToArray());
        Assert.Equal(5, loaded.Optimizer.StepCount);
        Assert.Equal(task.DropoutRandom.GetState(), loaded.TaskRandoms["dropout"]);
        Assert.Equal(5, loaded.Ema!.Value.Updates);
        Assert.Equal("names.txt", (string)loaded.Run!["data"]!);
        Assert.Equal(0.5f, loaded.Options.EmaDecay);
        Assert.Equal("names.txt", (string)Checkpoint.ReadManifest(CheckpointDir(dir.Path)).Run!["data"]!);
    }

    [Fact]
    public void Damaged_weight_file_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 4));
        string model = Path.Combine(CheckpointDir(dir.Path), "model-00000004.safetensors");
        var bytes = File.ReadAllBytes(model);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(model, bytes);
        var error = Assert.Throws<LoomException>(() => TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 8) with { Resume = true }));
        Assert.Equal(LoomErrorCode.InvalidFormat, error.Code);
        Assert.Contains("corrupt checkpoint", error.Message);
        Assert.Contains("model-00000004.safetensors does not match its checksum", error.Message);
    }

    [Theory]
    [InlineData("{ \"format\": \"loom-checkpoint\", \"vers", "not valid JSON")]
    [InlineData("{ \"format\": \"something-else\" }", "not a Loom checkpoint")]
    [InlineData("{ \"format\": \"loom-checkpoint\", \"version\": 1, \"step\": 3 }", "missing the field 'options'")]
    public void Damaged_manifest_is_a_clear_error(string manifest, string expected)
    {
        using var dir = new TempDirectory();
        TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 4));
        File.WriteAllText(Path.Combine(CheckpointDir(dir.Path), Checkpoint.ManifestName), manifest);
        var error = Assert.Throws<LoomException>(() => Checkpoint.Load(CheckpointDir(dir.Path)));
        Assert.Equal(LoomErrorCode.InvalidFormat, error.Code);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("loopRandom")]
    [InlineData("files")]
    [InlineData("optimizer")]
    public void Manifest_without_a_required_field_names_it(string field)
    {
        using var dir = new TempDirectory();
        TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 4));
        string manifest = Path.Combine(CheckpointDir(dir.Path), Checkpoint.ManifestName);
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json.Remove(field);
        File.WriteAllText(manifest, json.ToJsonString());
        var error = Assert.Throws<LoomException>(() => Checkpoint.Load(CheckpointDir(dir.Path)));
        Assert.Equal(LoomErrorCode.InvalidFormat, error.Code);
        Assert.Contains($"missing the field '{field}'", error.Message);
    }

    [Fact]
    public void Missing_weight_file_is_a_clear_error()
    {
        using var dir = new TempDirectory();
        TrainingLoop.Run(new ToyTask(), Options(dir.Path, steps: 4));
        File.Delete(Path.Combine(CheckpointDir(dir.Path), "optimizer-00000004.safetensors"));
        var error = Assert.Throws<LoomException>(() => Checkpoint.Load(CheckpointDir(dir.Path)));
        Assert.Contains("optimizer-00000004.safetensors is missing", error.Message);
    }
}
