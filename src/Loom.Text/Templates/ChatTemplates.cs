using Loom.Core;

namespace Loom.Text.Templates;

/// <summary>
/// Named chat formats for models that carry no template of their own. Each is written as a Jinja template so it
/// goes through the same renderer (and the same tests) as a model's own template; the layouts follow each model
/// family's published prompt format.
/// </summary>
public static class ChatTemplates
{
    private static readonly Dictionary<string, string> Sources = new(StringComparer.OrdinalIgnoreCase)
    {
        ["chatml"] =
            "{% for message in messages %}{{ '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>\n' }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}",
        ["llama3"] =
            "{{ bos_token }}{% for message in messages %}{{ '<|start_header_id|>' + message.role + '<|end_header_id|>\n\n' + message.content | trim + '<|eot_id|>' }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}",
        // Llama 2 chat: the system prompt is folded into the first user turn inside <<SYS>> markers.
        ["llama2"] =
            "{% if messages and messages[0].role == 'system' %}{% set system = messages[0].content %}{% set turns = messages[1:] %}" +
            "{% else %}{% set system = none %}{% set turns = messages %}{% endif %}" +
            "{% for message in turns %}{% if message.role == 'user' %}" +
            "{% set content = message.content %}{% if loop.first and system is not none %}{% set content = '<<SYS>>\n' + system + '\n<</SYS>>\n\n' + content %}{% endif %}" +
            "{{ bos_token + '[INST] ' + content | trim + ' [/INST]' }}" +
            "{% elif message.role == 'assistant' %}{{ ' ' + message.content | trim + ' ' + eos_token }}{% endif %}{% endfor %}",
        ["mistral"] =
            "{{ bos_token }}{% for message in messages %}{% if message.role == 'user' %}{{ '[INST] ' + message.content + ' [/INST]' }}" +
            "{% elif message.role == 'assistant' %}{{ message.content + eos_token }}" +
            "{% elif message.role == 'system' %}{{ '[INST] ' + message.content + ' [/INST]' }}{% endif %}{% endfor %}",
        ["gemma"] =
            "{{ bos_token }}{% for message in messages %}{% set role = 'model' if message.role == 'assistant' else 'user' %}" +
            "{{ '<start_of_turn>' + role + '\n' + message.content | trim + '<end_of_turn>\n' }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}",
        ["phi3"] =
            "{% for message in messages %}{{ '<|' + message.role + '|>\n' + message.content + '<|end|>\n' }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}",
        ["zephyr"] =
            "{% for message in messages %}{{ '<|' + message.role + '|>\n' + message.content + eos_token + '\n' }}{% endfor %}" +
            "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% endif %}",
    };

    private static readonly Dictionary<string, ChatTemplate> Parsed = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names <see cref="Fallback"/> accepts.</summary>
    public static IReadOnlyCollection<string> Names => Sources.Keys;

    /// <summary>The named fallback format; an unknown name fails listing the known ones.</summary>
    public static ChatTemplate Fallback(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Sources.TryGetValue(name, out var source))
            throw LoomException.Argument($"chat template: no fallback named '{name}'; known: {string.Join(", ", Sources.Keys)}");
        lock (Parsed)
        {
            if (!Parsed.TryGetValue(name, out var template)) Parsed[name] = template = ChatTemplate.Parse(source);
            return template;
        }
    }
}
