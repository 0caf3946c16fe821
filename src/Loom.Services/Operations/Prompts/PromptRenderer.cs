using System.Text;
using System.Text.RegularExpressions;
using Loom.Core;

namespace Loom.Services.Operations.Prompts;

/// <summary>
/// Fills {{name}} placeholders (names: letters, digits, _ . -; spaces inside the braces allowed). A placeholder
/// without a value is an error naming it — a template never goes to a model half-filled. Values are inserted as
/// they are: a value that contains "{{x}}" is not expanded again.
/// </summary>
public static partial class PromptRenderer
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z0-9_.\-]+)\s*\}\}")]
    private static partial Regex Placeholder();

    public static IReadOnlyList<PromptMessage> Render(PromptTemplate template, IReadOnlyDictionary<string, string> variables)
    {
        var missing = template.Variables.Where(v => !variables.ContainsKey(v)).ToList();
        if (missing.Count > 0)
            throw LoomException.Argument(
                $"prompt '{template.Id}' version {template.Version}: missing variable{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}");
        return [.. template.Messages.Select(m => m with { Content = Placeholder().Replace(m.Content, match => variables[match.Groups[1].Value]) })];
    }

    public static IReadOnlyList<string> Variables(IEnumerable<PromptMessage> messages)
    {
        var names = new List<string>();
        foreach (var message in messages)
            foreach (Match match in Placeholder().Matches(message.Content))
                if (!names.Contains(match.Groups[1].Value)) names.Add(match.Groups[1].Value);
        return names;
    }

    /// <summary>A rendering as one text ("role: content" per message), for the CLI.</summary>
    public static string AsText(IEnumerable<PromptMessage> messages)
    {
        var builder = new StringBuilder();
        foreach (var m in messages) builder.Append(m.Role).Append(": ").Append(m.Content).Append('\n');
        return builder.ToString();
    }
}
