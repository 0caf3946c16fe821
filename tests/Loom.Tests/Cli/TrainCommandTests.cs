using System.Text.Json.Nodes;
using Loom.Cli;
using Loom.Core;
using Loom.Tests.Training.Trainer;
using Loom.Training.Trainer;

namespace Loom.Tests.Cli;

/// <summary>These tests swap Console.Out/Error, so they run alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "console-redirecting CLI tests";
}

/// <summary>Runs `loom` in-process and captures what it prints.</summary>
internal static class LoomCli
{
    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);
        try
        {
            Console.SetOut(output);
            Console.SetError(error);
            int code = CliApp.Run(args);
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }
    }

    /// <summary>A failing run: the exit code, and the one line it printed on stderr.</summary>
    public static (int Code, string Line) Fail(params string[] args)
    {
        var (code, _, error) = Run(args);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        return (code, lines[0]);
    }
}

/// <summary>Small data and a one-block model, so a CLI run takes a fraction of a second.</summary>
internal sealed class LmFixture : IDisposable
{
    private static readonly string[] Names =
    [
        "emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail", "emily", "ella",
        "liam", "noah", "william", "james", "oliver", "benjamin", "elijah", "lucas", "mason", "logan", "alexander", "ethan",
    ];

    public LmFixture()
    {
        File.WriteAllText(Dir.Combine("names.txt"), string.Join('\n', Names) + "\n");
        File.WriteAllText(Dir.Combine("val.txt"), "mila\nleo\nnora\n");
        File.WriteAllText(Dir.Combine("model.json"),
            """{ "style": "llama", "contextLength": 16, "layers": 1, "heads": 2, "kvHeads": 1, "modelDim": 16, "dropout": 0.1 }""");
    }

    public TempDirectory Dir { get; } = new();
    public string Data => Dir.Combine("names.txt");
    public string Val => Dir.Combine("val.txt");
    public string Preset => Dir.Combine("model.json");

    public string[] Train(string outDir, params string[] extra) =>
        ["train", "lm", "--data", Data, "--val", Val, "--mode", "lines", "--preset", Preset, "--out", outDir,
         "--batch", "4", "--eval-every", "3", "--threads", "1", "--json", .. extra];

    public void Dispose() => Dir.Dispose();
}

[Collection(ConsoleCollection.Name)]
public class TrainCommandTests
{
    [Fact]
    public void Train_lm_writes_a_model_directory_checkpoint_and_metrics()
    {
        using var f = new LmFixture();
        string outDir = f.Dir.Combine("run");
        var (code, output, error) = LoomCli.Run(f.Train(outDir, "--steps", "5"));
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal(5, (long)json["steps"]!);
        Assert.Equal("completed", (string)json["stopped"]!);
        Assert.InRange((double)json["valLoss"]!, 0.5, 10);
        Assert.True((double)json["valBitsPerChar"]! > 0);
        foreach (string file in new[] { "loom.json", "model.safetensors", "tokenizer.json", "metrics.jsonl", "checkpoint/checkpoint.json" })
            Assert.True(File.Exists(Path.Combine(outDir, file)), file);
        var records = MetricsLog.Read(Path.Combine(outDir, MetricsLog.FileName));
        Assert.Equal([1L, 2, 3, 4, 5], records.Select(r => (long)r["step"]!));
        Assert.NotNull(records[2]["valLoss"]);
        Assert.NotNull(records[2]["tokensPerSecond"]);
    }

    [Fact]
    public void Train_lm_data_parallel_gives_the_same_run_on_one_and_two_threads_and_resume_keeps_it()
    {
        using var f = new LmFixture();
        string[] Args(string dir, string threads)
        {
            string[] args = f.Train(f.Dir.Combine(dir), "--steps", "4", "--grad-accum", "2", "--data-parallel");
            args[Array.IndexOf(args, "--threads") + 1] = threads;
            return args;
        }
        var one = LoomCli.Run(Args("one", "1"));
        var two = LoomCli.Run(Args("two", "2"));
        Assert.True(one.Code == 0 && two.Code == 0, one.Error + two.Error);
        Assert.Equal((double)JsonNode.Parse(one.Out)!["valLoss"]!, (double)JsonNode.Parse(two.Out)!["valLoss"]!);

        // The mode is part of the run's settings: a resume may not switch it off.
        var resumed = LoomCli.Run(f.Train(f.Dir.Combine("two"), "--steps", "6", "--resume", "--data-parallel", "false"));
        Assert.NotEqual(0, resumed.Code);
        Assert.Contains("concurrent micro-batches was True, now False", resumed.Error);
    }

    [Fact]
    public void Train_lm_attn_dropout_reaches_the_saved_config_and_the_training()
    {
        using var f = new LmFixture();
        string droppedDir = f.Dir.Combine("dropped");
        var plain = LoomCli.Run(f.Train(f.Dir.Combine("plain"), "--steps", "4", "--lr", "1e-2"));
        var dropped = LoomCli.Run(f.Train(droppedDir, "--steps", "4", "--lr", "1e-2", "--attn-dropout", "0.5"));
        Assert.True(plain.Code == 0 && dropped.Code == 0, plain.Error + dropped.Error);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(droppedDir, "loom.json")))!["config"]!;
        Assert.Equal(0.5, (double)config["attentionDropout"]!, 6);
        // The masks change what training sees, so the trained weights (and their validation) differ.
        Assert.NotEqual((double)JsonNode.Parse(plain.Out)!["valLoss"]!, (double)JsonNode.Parse(dropped.Out)!["valLoss"]!);

        var (code, line) = LoomCli.Fail(f.Train(f.Dir.Combine("bad"), "--steps", "2", "--attn-dropout", "1"));
        Assert.NotEqual(0, code);
        Assert.Contains("attentionDropout", line);
    }

    [Fact]
    public void Train_lm_ema_hands_over_the_averaged_weights()
    {
        using var f = new LmFixture();
        // Decay 0: the average is the last weights, so the run is the plain run's twin.
        var plain = JsonNode.Parse(LoomCli.Run(f.Train(f.Dir.Combine("plain"), "--steps", "8", "--lr", "1e-2")).Out)!;
        var last = JsonNode.Parse(LoomCli.Run(f.Train(f.Dir.Combine("last"), "--steps", "8", "--lr", "1e-2", "--ema", "0")).Out)!;
        Assert.Equal((double)plain["valLoss"]!, (double)last["valLoss"]!, 6);

        // Decay 1: the average never moves from the initial weights, so the saved model and its validation are the
        // untrained model's — worse than the trained one, and what `loom eval lm` measures on the saved directory.
        string frozenDir = f.Dir.Combine("frozen");
        var frozen = JsonNode.Parse(LoomCli.Run(f.Train(frozenDir, "--steps", "8", "--lr", "1e-2", "--ema", "1")).Out)!;
        Assert.True((double)frozen["valLoss"]! > (double)plain["valLoss"]! + 0.05, $"{frozen} vs {plain}");
        var eval = LoomCli.Run("eval", "lm", "--model", frozenDir, "--data", f.Val, "--mode", "lines", "--json");
        Assert.True(eval.Code == 0, eval.Error);
        Assert.Equal((double)frozen["valLoss"]!, (double)JsonNode.Parse(eval.Out)!["natsPerToken"]!, 4);
    }

    [Fact]
    public void Train_lm_ema_cancelled_run_still_saves_the_average()
    {
        using var f = new LmFixture();
        using var cancel = new CancellationTokenSource();
        string outDir = f.Dir.Combine("cancelled");
        var settings = new Loom.Models.Transformer.LanguageModelTaskSettings
            { Data = f.Data, Validation = f.Val, Mode = Loom.Training.Text.TextMode.Lines, Preset = f.Preset, BatchSize = 4 };
        var options = new TrainerOptions { Steps = 50, WarmupSteps = 2, EmaDecay = 0.9f, OutDir = outDir };
        var result = Loom.Models.Transformer.LanguageModelTaskRunner.Train(settings, options,
            new InlineProgress<TrainerProgress>(p => { if (p.Step == 3) cancel.Cancel(); }), cancellation: cancel.Token);
        Assert.Equal(StopReason.Cancelled, result.Summary.Stopped);
        Assert.Null(result.Summary.Validation); // the raw weights' loss would describe another model
        Assert.True(File.Exists(Path.Combine(outDir, "model.safetensors")));
    }

    [Fact]
    public void Train_lm_human_output_shows_progress_lines_and_a_summary()
    {
        using var f = new LmFixture();
        string outDir = f.Dir.Combine("run");
        var args = f.Train(outDir, "--steps", "6").Where(a => a != "--json").ToArray();
        var (code, output, error) = LoomCli.Run(args);
        Assert.True(code == 0, error);
        Assert.Contains("train lm  step 3/6  loss ", output);
        Assert.Contains(" val ", output);
        Assert.Contains("tokens/s", output);
        Assert.Contains("done: 6 steps", output);
        Assert.Contains("nats/token", output);
        Assert.Contains("model saved to", output);
    }

    [Fact]
    public void Train_lm_resume_continues_exactly_with_the_saved_settings()
    {
        using var f = new LmFixture();
        Assert.Equal(0, LoomCli.Run(f.Train(f.Dir.Combine("straight"), "--steps", "6")).Code);

        // A crash while saving the final checkpoint (a directory squats on one of its file names): the step-3
        // checkpoint stays, the log already holds steps 1–6.
        string split = f.Dir.Combine("split");
        string blocker = Path.Combine(split, Checkpoint.DirectoryName, "optimizer-00000006.safetensors");
        Directory.CreateDirectory(blocker);
        Assert.ThrowsAny<IOException>(() => LoomCli.Run(f.Train(split, "--steps", "6", "--checkpoint-every", "3")));
        Directory.Delete(blocker);

        // Resume names only --out and --resume: data, model, steps and optimizer settings come from the checkpoint.
        var (code, output, error) = LoomCli.Run("train", "lm", "--out", split, "--resume", "--threads", "1", "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!;
        Assert.Equal(3, (long)json["resumedFromStep"]!);
        Assert.Equal(6, (long)json["steps"]!);

        static List<string> Losses(string dir) => MetricsLog.Read(Path.Combine(dir, MetricsLog.FileName))
            .Where(r => r["loss"] is not null).Select(r => r["loss"]!.ToJsonString()).ToList();
        Assert.Equal(6, Losses(split).Count);
        Assert.Equal(Losses(f.Dir.Combine("straight")), Losses(split));
    }

    [Fact]
    public void Train_lm_refuses_to_overwrite_a_checkpoint_and_resume_refuses_changed_data()
    {
        using var f = new LmFixture();
        string outDir = f.Dir.Combine("run");
        Assert.Equal(0, LoomCli.Run(f.Train(outDir, "--steps", "2")).Code);
        var (code, line) = LoomCli.Fail(f.Train(outDir, "--steps", "2"));
        Assert.Equal(2, code);
        Assert.Contains("already holds a checkpoint; add --resume", line);

        string original = File.ReadAllText(f.Data);
        File.AppendAllText(f.Data, "zoe\n");
        (code, line) = LoomCli.Fail(f.Train(outDir, "--steps", "4", "--resume"));
        Assert.Equal(2, code);
        Assert.Contains("the data changed since the checkpoint", line);
        File.WriteAllText(f.Data, original);

        (code, line) = LoomCli.Fail(f.Train(outDir, "--steps", "4", "--resume", "--lr", "0.5"));
        Assert.Contains("trained with other settings: learning rate was 0.001, now 0.5", line);
        (code, line) = LoomCli.Fail("train", "lm", "--out", outDir, "--resume", "--steps", "4", "--batch", "8");
        Assert.Contains("other data or model settings", line);
    }

    [Fact]
    public void Train_lm_bad_input_is_one_clear_line_and_an_exit_code()
    {
        using var f = new LmFixture();
        File.WriteAllText(f.Dir.Combine("empty.txt"), "");
        File.WriteAllBytes(f.Dir.Combine("binary.txt"), [0x7F, (byte)'E', (byte)'L', (byte)'F', 0, 1, 2]);
        File.WriteAllBytes(f.Dir.Combine("latin1.txt"), [(byte)'j', (byte)'o', (byte)'s', 0xE9, (byte)'\n']);
        string Out() => f.Dir.Combine("out-" + Guid.NewGuid().ToString("N"));
        string[] Args(string data, params string[] extra) =>
            ["train", "lm", "--data", data, "--out", Out(), "--steps", "1", "--json", .. extra.Contains("--preset") ? extra : [.. extra, "--preset", f.Preset]];

        var cases = new (string[] Args, int Code, string Expected)[]
        {
            (Args(f.Dir.Combine("missing.txt")), 4, "no such file or folder"),
            (Args(f.Dir.Combine("empty.txt")), 2, "the file is empty"),
            (Args(f.Dir.Combine("binary.txt")), 5, "binary file (a NUL byte at offset 4)"),
            (Args(f.Dir.Combine("latin1.txt")), 5, "not valid UTF-8: bad byte 0xE9 at offset 3"),
            (Args(f.Data, "--tokenizer", "bpe:5000", "--mode", "lines"), 2, "this data allows only"),
            (Args(f.Data, "--tokenizer", "words"), 2, "expected 'char' or 'bpe:N'"),
            (Args(f.Data, "--mode", "paragraphs"), 2, "--mode: expected stream or lines"),
            (Args(f.Data, "--preset", "enormous"), 2, "unknown transformer preset 'enormous'"),
            (["train", "lm", "--out", Out(), "--steps", "1"], 2, "--data is required"),
        };
        foreach (var (args, expectedCode, expected) in cases)
        {
            var (code, line) = LoomCli.Fail(args);
            Assert.True(expectedCode == code, $"{string.Join(' ', args)} → {code}: {line}");
            Assert.Contains(expected, line);
        }
    }

    [Fact]
    public void Train_lm_resume_from_a_corrupt_checkpoint_is_a_clear_error()
    {
        using var f = new LmFixture();
        string outDir = f.Dir.Combine("run");
        Assert.Equal(0, LoomCli.Run(f.Train(outDir, "--steps", "2")).Code);
        string manifest = Path.Combine(outDir, Checkpoint.DirectoryName, Checkpoint.ManifestName);
        File.WriteAllText(manifest, File.ReadAllText(manifest)[..40]);
        var (code, line) = LoomCli.Fail("train", "lm", "--out", outDir, "--resume", "--steps", "4");
        Assert.Equal((int)LoomErrorCode.InvalidFormat, code);
        Assert.Contains("corrupt checkpoint", line);
    }
}
