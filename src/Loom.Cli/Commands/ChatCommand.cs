using System.CommandLine;
using System.Text;
using Loom.Inference;
using Loom.Text.Sampling;
using Loom.Text.Templates;
using Loom.Text.Tokenizers.Gguf;

namespace Loom.Cli;

/// <summary>
/// `loom chat FILE.gguf`: an interactive conversation on stdin/stdout. Each line read is a user turn; the whole
/// history is rendered with the model's chat template (or `--template NAME`), the reply streams out and ends at an
/// end-of-generation token (or --max-tokens), then joins the history. An empty line is skipped; EOF or "/exit" ends.
/// The KV cache of the rendered history is kept between turns (<see cref="PrefixReusingSession"/>).
/// </summary>
public static class ChatCommand
{
    public const string DefaultFallback = "chatml";

    public static Command Create()
    {
        var llm = new LlmCliOptions();
        var template = new Option<string>("--template") { Description = "Use this named format instead of the file's chat template: " + string.Join(", ", ChatTemplates.Names) };
        var system = new Option<string>("--system") { Description = "System message that starts the conversation" };
        var sampling = new SamplingCliOptions(defaultMaxTokens: 512);
        var command = new Command("chat", "Chat with a GGUF model (reads user turns from stdin, one per line)");
        llm.AddTo(command);
        command.Options.Add(template);
        command.Options.Add(system);
        sampling.AddTo(command);
        command.SetAction((parse, cancellation) =>
        {
            using var model = llm.Load(parse);
            Run(model, Console.In, Console.Out, Console.Error, sampling.Read(parse), parse.GetValue(template), parse.GetValue(system), cancellation);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Runs the conversation until <paramref name="input"/> ends; returns the history (system, user, assistant messages).</summary>
    public static IReadOnlyList<ChatMessage> Run(LlmModel model, TextReader input, TextWriter output, TextWriter log,
        SamplingOptions sampling, string? templateName = null, string? system = null, CancellationToken cancellation = default)
    {
        var template = Template(model, templateName, log);
        var tokenizer = model.Tokenizer;
        string bos = Piece(tokenizer, tokenizer.BosId), eos = Piece(tokenizer, tokenizer.EosId);
        var extra = new Dictionary<string, object?> { ["bos_token"] = bos, ["eos_token"] = eos };
        var session = new PrefixReusingSession(model.CreateSession());
        var generator = LlmGeneration.CreateGenerator(model, session);
        var history = new List<ChatMessage>();
        if (!string.IsNullOrEmpty(system)) history.Add(new ChatMessage("system", system));
        for (int turn = 0; ; turn++)
        {
            log.Write("> ");
            string? line = input.ReadLine();
            if (line is null || line.Trim() == "/exit") break;
            if (line.Trim().Length == 0) continue;
            history.Add(new ChatMessage("user", line));
            string rendered = template.Render(history, addGenerationPrompt: true, extra);
            // The template may write BOS itself; the vocabulary's own BOS is added only when it did not.
            bool addBos = !(tokenizer.AddBos && bos.Length > 0 && rendered.StartsWith(bos, StringComparison.Ordinal));
            int[] prompt = tokenizer.Tokenize(rendered, addSpecial: addBos, parseSpecial: true);
            var reply = PieceStreamer.Stream(generator.Generate(prompt, sampling, turn, cancellation), output);
            history.Add(new ChatMessage("assistant", reply.Text));
        }
        return history;
    }

    /// <summary>A special token's text for the template's bos_token/eos_token, or "" when the vocabulary has no such token.</summary>
    private static string Piece(GgufTokenizer tokenizer, int id) =>
        (uint)id < (uint)tokenizer.VocabSize ? Encoding.UTF8.GetString(tokenizer.TokenToPiece(id, special: true)) : "";

    private static ChatTemplate Template(LlmModel model, string? name, TextWriter log)
    {
        if (name is not null) return ChatTemplates.Fallback(name);
        if (model.ChatTemplate is { } own) return own;
        log.WriteLine($"[{model.Name} has no chat template; using '{DefaultFallback}' (choose another with --template)]");
        return ChatTemplates.Fallback(DefaultFallback);
    }
}
