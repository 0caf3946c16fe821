using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Inference;

namespace Loom.Cli;

/// <summary>`loom logits FILE.gguf --prompt TEXT [--top 10]`: the next-token logits after a prompt, as llama-debug
/// saves them (prompt tokenized with BOS when the vocabulary adds one, special-token text parsed), highest first.</summary>
public static class LogitsCommand
{
    public static Command Create()
    {
        var llm = new LlmCliOptions();
        var prompt = new Option<string>("--prompt") { Description = "Text whose next token is scored", Required = true };
        var top = new Option<int>("--top") { Description = "How many of the highest logits to show", DefaultValueFactory = _ => 10 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var command = new Command("logits", "Print the highest next-token logits of a GGUF model after a prompt");
        llm.AddTo(command);
        foreach (var option in new Option[] { prompt, top, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            using var model = llm.Load(parse);
            var result = Run(model, parse.GetValue(prompt)!, parse.GetValue(top));
            if (parse.GetValue(json))
            {
                Console.WriteLine(result.ToJsonString());
                return 0;
            }
            Console.Error.WriteLine($"[{result["promptIds"]!.AsArray().Count} prompt tokens, {result["nVocab"]} logits]");
            foreach (var entry in result["top"]!.AsArray())
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{(int)entry!["id"]!,8} {(float)entry["logit"]!,12:F6}  '{(string)entry["piece"]!}'"));
            return 0;
        });
        return command;
    }

    /// <summary>The prompt's ids and the <paramref name="top"/> highest logits (ties by id), each with its token's piece.</summary>
    public static JsonObject Run(LlmModel model, string prompt, int top)
    {
        if (top < 1) throw LoomException.Argument($"logits: --top must be at least 1, found {top}");
        int[] ids = model.Tokenizer.Tokenize(prompt, addSpecial: true, parseSpecial: true);
        if (ids.Length == 0) throw LoomException.Argument("logits: the prompt has no tokens; give some text");
        float[] logits = model.CreateSession().Forward(ids).ToArray();
        var order = Enumerable.Range(0, logits.Length).OrderByDescending(i => logits[i]).ThenBy(i => i).Take(top);
        var entries = new JsonArray();
        foreach (int id in order)
        {
            entries.Add(new JsonObject
            {
                ["id"] = id,
                ["logit"] = logits[id],
                ["piece"] = Encoding.UTF8.GetString(model.Tokenizer.TokenToPiece(id, special: true)),
            });
        }
        return new JsonObject
        {
            ["model"] = model.Name,
            ["prompt"] = prompt,
            ["promptIds"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]),
            ["nVocab"] = logits.Length,
            ["top"] = entries,
        };
    }
}
