using System.CommandLine;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Inference;
using Loom.Kernels;

namespace Loom.Cli;

/// <summary>What every verb that runs a GGUF model takes: the file, a context-length override and the thread count.</summary>
internal sealed class LlmCliOptions
{
    public Argument<string> File { get; } = new("file") { Description = "GGUF model file" };
    /// <summary>The context used when --ctx is absent and the file's is longer (llama.cpp's tools default to 4096 too):
    /// files declaring 128k positions would otherwise allocate a KV cache of tens of gigabytes.</summary>
    public const int DefaultContextCap = 4096;

    public Option<int?> Context { get; } = new("--ctx") { Description = $"Context length (default: the file's context_length, at most {DefaultContextCap}); the KV cache is sized to it" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "Kernel threads (default: all cores)" };

    public void AddTo(Command command)
    {
        command.Arguments.Add(File);
        command.Options.Add(Context);
        command.Options.Add(Threads);
    }

    /// <summary>Sets the thread count and loads the model (memory-mapped) with the context --ctx asks for, else
    /// <paramref name="defaultContext"/>, else the file's capped at <see cref="DefaultContextCap"/>.</summary>
    public LlmModel Load(ParseResult parse, int? defaultContext = null)
    {
        if (parse.GetValue(Threads) is { } threads) KernelOptions.Threads = threads;
        string path = parse.GetValue(File)!;
        int? context = parse.GetValue(Context) ?? defaultContext;
        if (context is null && DeclaredContext(path) > DefaultContextCap) context = DefaultContextCap;
        return LlmModel.Load(path, context);
    }

    /// <summary><c>{arch}.context_length</c>, or int.MaxValue when the file does not say (the loader then reports it).</summary>
    private static int DeclaredContext(string path)
    {
        using var file = GgufFile.Open(path);
        try
        {
            return file.TryGetString("general.architecture", out string arch) && file.TryGetUInt32($"{arch}.context_length", out uint n)
                ? (int)Math.Min(n, int.MaxValue)
                : int.MaxValue;
        }
        catch (LoomException)
        {
            return int.MaxValue; // a key of another type: the loader reports it properly
        }
    }
}
