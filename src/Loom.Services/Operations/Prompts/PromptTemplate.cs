namespace Loom.Services.Operations.Prompts;

/// <summary>One version of a prompt template: chat messages whose contents hold {{name}} placeholders.</summary>
public sealed record PromptTemplate(string Id, int Version, IReadOnlyList<PromptMessage> Messages, string? Description, DateTimeOffset Created)
{
    /// <summary>Every placeholder name the messages use, in first-use order.</summary>
    public IReadOnlyList<string> Variables => PromptRenderer.Variables(Messages);
}

/// <summary>A message of a template (or of its rendering): role ("system", "user", "assistant") and content.</summary>
public sealed record PromptMessage(string Role, string Content);
