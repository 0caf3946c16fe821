namespace Loom.Text.Templates;

/// <summary>
/// A model's chat template (the Jinja text in GGUF <c>tokenizer.chat_template</c> or tokenizer_config.json),
/// parsed once and rendered per conversation with the variables Hugging Face's apply_chat_template passes:
/// <c>messages</c>, <c>add_generation_prompt</c>, and extras such as <c>bos_token</c>, <c>eos_token</c>,
/// <c>tools</c> or <c>enable_thinking</c>. Rendering is whitespace-exact (trim_blocks and lstrip_blocks on, as
/// Hugging Face sets them) so the prompt tokenizes the way the model was trained.
/// </summary>
public sealed class ChatTemplate
{
    private readonly List<Node> nodes;

    private ChatTemplate(string source, List<Node> nodes)
    {
        Source = source;
        this.nodes = nodes;
    }

    /// <summary>The template text as given.</summary>
    public string Source { get; }

    /// <summary>Where <c>strftime_now()</c> reads the time; tests inject a fixed clock.</summary>
    public Func<DateTime> Clock { get; init; } = () => DateTime.Now;

    /// <summary>Parses a template; syntax errors are LoomExceptions naming the line, column and construct.</summary>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(source, TemplateParser.Parse(TemplateLexer.Tokenize(source)));
    }

    /// <summary>Returns a copy that reads the time from <paramref name="clock"/>.</summary>
    public ChatTemplate WithClock(Func<DateTime> clock) => new(Source, nodes) { Clock = clock };

    /// <summary>Renders the conversation. Runtime errors (and the template's own raise_exception) are
    /// LoomExceptions.</summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>();
        if (extra is not null)
            foreach (var (name, value) in extra) variables[name] = TemplateValues.FromClr(value);
        variables["messages"] = messages.Select(m => (object?)m.ToTemplateValue()).ToList();
        variables["add_generation_prompt"] = addGenerationPrompt;
        return TemplateEvaluator.Render(nodes, variables, Clock);
    }

    /// <summary>Renders with arbitrary variables (for templates that are not chat templates).</summary>
    public string RenderWith(IReadOnlyDictionary<string, object?> variables)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var converted = variables.ToDictionary(p => p.Key, p => TemplateValues.FromClr(p.Value));
        return TemplateEvaluator.Render(nodes, converted, Clock);
    }
}
