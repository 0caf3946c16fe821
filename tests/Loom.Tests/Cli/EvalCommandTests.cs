using System.Text.Json.Nodes;
using Loom.Core;

namespace Loom.Tests.Cli;

[Collection(ConsoleCollection.Name)]
public class EvalCommandTests
{
    [Fact]
    public void Eval_lm_reports_nats_per_token_bits_per_char_and_perplexity_in_the_training_mode()
    {
        using var f = new LmFixture();
        string model = f.Dir.Combine("run");
        var (trainCode, trainOut, trainError) = LoomCli.Run(f.Train(model, "--steps", "4"));
        Assert.True(trainCode == 0, trainError);
        var (code, output, error) = LoomCli.Run("eval", "lm", "--model", model, "--data", f.Val, "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!.AsObject();
        Assert.Equal("lines", (string)json["mode"]!);
        double nats = (double)json["natsPerToken"]!;
        // The same model on the same validation file: the figure training reported at its last step.
        Assert.Equal((double)JsonNode.Parse(trainOut)!["valLoss"]!, nats, 5);
        // "mila\nleo\nnora\n": 11 letters + 3 end tokens; chars counted with their line breaks, so 14 of each.
        Assert.Equal(14, (long)json["tokens"]!);
        Assert.Equal(14, (long)json["characters"]!);
        Assert.Equal(nats / Math.Log(2), (double)json["bitsPerChar"]!, 9);
        Assert.Equal(Math.Exp(nats), (double)json["perplexity"]!, 9);

        var (humanCode, human, _) = LoomCli.Run("eval", "lm", "--model", model, "--data", f.Val);
        Assert.Equal(0, humanCode);
        Assert.Contains("nats/token", human);
        Assert.Contains("bits/char", human);
    }

    [Fact]
    public void Eval_lm_bad_input_is_one_clear_line_and_an_exit_code()
    {
        using var f = new LmFixture();
        string model = f.Dir.Combine("run");
        Assert.Equal(0, LoomCli.Run(f.Train(model, "--steps", "1")).Code);
        string vae = f.Dir.Combine("vae");
        Directory.CreateDirectory(vae);
        File.WriteAllText(Path.Combine(vae, "loom.json"), """{ "formatVersion": 1, "family": "vae" }""");
        File.WriteAllText(f.Dir.Combine("greek.txt"), "αβγ\n");

        var (code, line) = LoomCli.Fail("eval", "lm", "--model", vae, "--data", f.Val);
        Assert.Equal((int)LoomErrorCode.InvalidFormat, code);
        Assert.Contains("is a 'vae' model directory; expected 'transformer-lm'", line);

        (code, line) = LoomCli.Fail("eval", "lm", "--model", f.Dir.Combine("nothing"), "--data", f.Val);
        Assert.Equal((int)LoomErrorCode.FileNotFound, code);

        (code, line) = LoomCli.Fail("eval", "lm", "--model", model, "--data", f.Dir.Combine("greek.txt"));
        Assert.Equal((int)LoomErrorCode.InvalidArgument, code);
        Assert.Contains("U+03B1", line);
        Assert.Contains("not in the vocabulary", line);
    }
}
