using System.Runtime.CompilerServices;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// Routes `compare-openblas` (the comparison) and `openblas-child` (its helper processes) before Program's
/// BenchmarkDotNet switcher sees the arguments. A module initializer, because Program.cs belongs to the benchmark
/// project as a whole; a two-line dispatch there would do the same job if that file is ever opened for it.
/// </summary>
internal static class CompareEntryPoint
{
    public const string CompareVerb = "compare-openblas";
    public const string ChildVerb = "openblas-child";

#pragma warning disable CA2255 // An application, not a library: intercepting its own arguments is the point.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void DispatchBeforeMain()
    {
        string[] args = Environment.GetCommandLineArgs();
        if (args.Length < 2) return;
        if (args[1] == CompareVerb) Environment.Exit(OpenBlasCompare.Run(args[2..]));
        if (args[1] == ChildVerb) Environment.Exit(OpenBlasChild.Run());
        // The LLM-comparison helpers (bench/llm-vs-llamacpp.sh) share this early dispatch.
        if (args[1] == Llm.SyntheticGgufCommand.Verb) Environment.Exit(Llm.SyntheticGgufCommand.Run(args[2..]));
        if (args[1] == Llm.ReadBandwidthCommand.Verb) Environment.Exit(Llm.ReadBandwidthCommand.Run(args[2..]));
        if (args[1] == Llm.DecodeProfileCommand.Verb) Environment.Exit(Llm.DecodeProfileCommand.Run(args[2..]));
    }
}
