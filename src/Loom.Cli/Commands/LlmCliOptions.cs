using System.CommandLine;
using Loom.Inference;
using Loom.Kernels;

namespace Loom.Cli;

/// <summary>What every verb that runs a GGUF model takes: the file, a context-length override and the thread count.</summary>
internal sealed class LlmCliOptions
{
    public Argument<string> File { get; } = new("file") { Description = "GGUF model file" };
    public Option<int?> Context { get; } = new("--ctx") { Description = "Context length (default: the file's context_length); the KV cache is sized to it" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "Kernel threads (default: all cores)" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(File);
        command.Options.Add(Context);
        command.Options.Add(Threads);
    }

    /// <summary>Sets the thread count and loads the model (memory-mapped) with the requested context.</summary>
    public LlmModel Load(ParseResult parse, int? minimumContext = null)
    {
        if (parse.GetValue(Threads) is { } threads) KernelOptions.Threads = threads;
        int? context = parse.GetValue(Context);
        if (context is null && minimumContext is { } needed) context = needed;
        return LlmModel.Load(parse.GetValue(File)!, context);
    }
}
