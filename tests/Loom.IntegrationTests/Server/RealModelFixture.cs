using Loom.Models.Transformer;
using Loom.Server.Hosting;

namespace Loom.IntegrationTests.Server;

/// <summary>
/// A real server over real models, created here with random weights (no ../shared needed): "tiny-lm", a Loom
/// transformer-lm directory, and "tiny-gguf", the same kind of model exported to GGUF (Q8_0) for the GGUF engine
/// with continuous batching and embeddings, and "tiny-tools", a GGUF whose chat template is Hermes-style with tools
/// (<see cref="ToolsTemplate"/>). When ../shared/reference/gguf exists, its llama-spm2500-q8_0 joins them.
/// </summary>
public sealed class RealModelFixture : IAsyncLifetime
{
    public const string Lm = "tiny-lm", Gguf = "tiny-gguf", Tools = "tiny-tools", Reference = "llama-spm2500-q8_0";

    /// <summary>The reference Qwen3 GGUF (random weights, real vocabulary and Qwen3's own chat template with tools),
    /// served when ../shared/reference/gguf exists.</summary>
    public const string QwenReference = "qwen3-bpe3072-tied-q8_0";

    /// <summary>A compact Qwen-style (Hermes) template: tools as JSON inside &lt;tools&gt; in a system turn, calls in
    /// &lt;tool_call&gt; with arguments as a mapping, results in &lt;tool_response&gt;.</summary>
    public const string ToolsTemplate = """
        {%- if tools %}<|im_start|>system
        <tools>
        {%- for tool in tools %}
        {{ tool | tojson }}
        {%- endfor %}
        </tools><|im_end|>
        {% endif %}
        {%- for message in messages %}
        {%- if message.role == 'assistant' and message.tool_calls %}<|im_start|>assistant
        {%- for call in message.tool_calls %}
        <tool_call>
        {"name": "{{ call.function.name }}", "arguments": {{ call.function.arguments | tojson }}}
        </tool_call>
        {%- endfor %}<|im_end|>
        {% elif message.role == 'tool' %}<|im_start|>user
        <tool_response>
        {{ message.content }}
        </tool_response><|im_end|>
        {% else %}<|im_start|>{{ message.role }}
        {{ message.content }}<|im_end|>
        {% endif %}
        {%- endfor %}
        {%- if add_generation_prompt %}<|im_start|>assistant
        {% endif %}
        """;
    // The chat-template markers are in the corpus: a GGUF without a template is prompted in ChatML.
    // Besides words and the chat markers, the characters JSON needs, so a JSON-schema request can be satisfied.
    private const string Corpus = "the quick brown fox jumps over the lazy dog. a fox, a dog, a cat and the lazy brown fox again.\n<|im_start|>system user assistant<|im_end|> {\"name\": 0123456789}";

    public string Models { get; } = Path.Combine(Path.GetTempPath(), "loom-serve-" + Guid.NewGuid().ToString("N"));
    public LoomServer Server { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public bool HasReference { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Models);
        string lmDir = Path.Combine(Models, Lm);
        TinyLanguageModel.Save(lmDir, Corpus);
        GgufExport.Export(lmDir, Path.Combine(Models, Gguf + ".gguf"), GgufQuantization.Q8_0);
        SaveToolsModel();
        if (ReferencePath() is { } reference)
        {
            File.CreateSymbolicLink(Path.Combine(Models, Reference + ".gguf"), reference);
            HasReference = true;
        }
        if (ReferencePath(QwenReference) is { } qwen) File.CreateSymbolicLink(Path.Combine(Models, QwenReference + ".gguf"), qwen);
        Server = LoomServerBuilder.Create(TestServers.Overrides(Models), readEnvironment: false).Build();
        await Server.StartAsync();
        Http = new HttpClient { BaseAddress = Server.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>"tiny-tools": every printable ASCII character in its vocabulary (tool schemas are rendered into the
    /// prompt), a context long enough for them, and <see cref="ToolsTemplate"/> as tokenizer.chat_template.</summary>
    private void SaveToolsModel()
    {
        string source = Models + "-tools-src";
        string ascii = new([.. Enumerable.Range(32, 95).Select(c => (char)c)]);
        TinyLanguageModel.Save(source, Corpus + "\n" + ascii, contextLength: 1024);
        var (writer, _) = GgufExport.Build(TransformerLmDirectory.Load(source), GgufQuantization.Q8_0, Tools);
        writer.Set("tokenizer.chat_template", Loom.Formats.Gguf.GgufValue.String(ToolsTemplate));
        writer.Write(Path.Combine(Models, Tools + ".gguf"));
        Directory.Delete(source, recursive: true);
    }

    public static string? ReferencePath() => ReferencePath(Reference);

    public static string? ReferencePath(string name)
    {
        string path = Path.Combine(TestPaths.RepoRoot, "..", "shared", "reference", "gguf", "models", name + ".gguf");
        return File.Exists(path) ? Path.GetFullPath(path) : null;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Models, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class TestPaths
{
    public static string RepoRoot { get; } = typeof(TestPaths).Assembly
        .GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
        .Cast<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;
}
