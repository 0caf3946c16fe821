using BenchmarkDotNet.Running;

// Runs the BenchmarkDotNet suites: dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*Gemm*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
