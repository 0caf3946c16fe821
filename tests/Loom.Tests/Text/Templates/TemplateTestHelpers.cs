using Loom.Text.Templates;

namespace Loom.Tests.Text.Templates;

/// <summary>Short ways to render a template in tests.</summary>
internal static class TemplateTestHelpers
{
    public static readonly DateTime FixedClock = new(2026, 3, 7, 14, 5, 9);

    public static string Render(string source, object? variables = null)
    {
        var values = new Dictionary<string, object?>();
        if (variables is not null)
            foreach (var property in variables.GetType().GetProperties())
                values[property.Name] = property.GetValue(variables);
        return ChatTemplate.Parse(source).WithClock(() => FixedClock).RenderWith(values);
    }

    public static ChatMessage Sys(string content) => new("system", content);
    public static ChatMessage User(string content) => new("user", content);
    public static ChatMessage Assistant(string content) => new("assistant", content);

    public static Dictionary<string, object?> Tokens(string bos, string eos, params (string Key, object? Value)[] more)
    {
        var extra = new Dictionary<string, object?> { ["bos_token"] = bos, ["eos_token"] = eos };
        foreach (var (key, value) in more) extra[key] = value;
        return extra;
    }
}
