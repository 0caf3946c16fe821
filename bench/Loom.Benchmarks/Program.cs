using BenchmarkDotNet.Running;
using Loom.Benchmarks.Serving;

// serve-load drives a running server over HTTP (see ServeLoadCommand); everything else is a BenchmarkDotNet suite:
// dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*Gemm*'
if (args.Length > 0 && args[0] == ServeLoadCommand.Verb) return await ServeLoadCommand.RunAsync(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
