using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Loom.Formats.Gguf;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Cli;

/// <summary>
/// `loom tokenize FILE.gguf --text TEXT`: the ids and pieces of a text under the file's own tokenizer, as
/// llama-tokenize prints them (BOS when the vocabulary adds one, special-token text parsed as special tokens;
/// --no-bos and --no-parse-special turn each off). Reads only the metadata, so vocabulary-only files work.
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "GGUF file (a model or a vocabulary-only file)" };
        var text = new Option<string>("--text") { Description = "Text to tokenize", Required = true };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not add the BOS token even if the vocabulary asks for it" };
        var noParseSpecial = new Option<bool>("--no-parse-special") { Description = "Read special-token text (<|im_start|>, </s>) as plain text" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object with ids and pieces" };
        var command = new Command("tokenize", "Tokenize text with a GGUF file's tokenizer (as llama.cpp does)");
        command.Arguments.Add(file);
        foreach (var option in new Option[] { text, noBos, noParseSpecial, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var result = Run(parse.GetValue(file)!, parse.GetValue(text)!, !parse.GetValue(noBos), !parse.GetValue(noParseSpecial));
            if (parse.GetValue(json))
            {
                Console.WriteLine(result.ToJsonString());
                return 0;
            }
            var ids = result["ids"]!.AsArray();
            var pieces = result["pieces"]!.AsArray();
            for (int i = 0; i < ids.Count; i++)
                Console.WriteLine($"{(int)ids[i]!,6} -> '{(string)pieces[i]!}'");
            Console.Error.WriteLine($"[{ids.Count} tokens, {result["tokenizer"]}]");
            return 0;
        });
        return command;
    }

    /// <summary>Tokenizes <paramref name="text"/>: the ids, each id's piece (special tokens rendered), and the tokenizer kind.</summary>
    public static JsonObject Run(string path, string text, bool addSpecial, bool parseSpecial)
    {
        using var gguf = GgufFile.Open(path);
        var tokenizer = GgufTokenizer.FromGguf(gguf);
        int[] ids = tokenizer.Tokenize(text, addSpecial, parseSpecial);
        var pieces = new JsonArray();
        foreach (int id in ids) pieces.Add(Encoding.UTF8.GetString(tokenizer.TokenToPiece(id, special: true)));
        return new JsonObject
        {
            ["file"] = path,
            ["tokenizer"] = tokenizer.Kind,
            ["addSpecial"] = addSpecial,
            ["parseSpecial"] = parseSpecial,
            ["count"] = ids.Length,
            ["ids"] = new JsonArray([.. ids.Select(id => (JsonNode)id)]),
            ["pieces"] = pieces,
        };
    }
}
