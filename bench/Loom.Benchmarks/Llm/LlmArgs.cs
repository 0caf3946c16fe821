namespace Loom.Benchmarks.Llm;

/// <summary>Argument reading shared by the LLM-comparison helpers (`synth-gguf`, `read-bandwidth`).</summary>
internal static class LlmArgs
{
    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/>, or null when it is absent.</summary>
    internal static string? Option(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
