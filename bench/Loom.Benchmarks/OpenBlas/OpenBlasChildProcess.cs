using System.Diagnostics;
using System.Globalization;

namespace Loom.Benchmarks.OpenBlas;

/// <summary>
/// A running <see cref="OpenBlasChild"/> with the OpenBLAS environment of one variant: <c>native</c> removes
/// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE so OpenBLAS detects the CPU itself (AVX-512 on this machine); the other
/// keeps the environment as it is (this machine sets Haswell, i.e. AVX2), setting Haswell if nothing is set.
/// </summary>
internal sealed class OpenBlasChildProcess : IDisposable
{
    private static readonly string[] SelectingVariables = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];
    private readonly Process _process;

    public string CoreName { get; }

    /// <summary>The selecting variables as the child sees them, e.g. "OPENBLAS_CORETYPE=Haswell OPENBLAS_L2_SIZE=512".</summary>
    public string Environment { get; }

    public OpenBlasChildProcess(bool native)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Under `dotnet Loom.Benchmarks.dll` the process is the dotnet host; under `dotnet run` it is the app host.
        string host = System.Environment.ProcessPath ?? throw new InvalidOperationException("no process path");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(OpenBlasChild).Assembly.Location);
        start.ArgumentList.Add(CompareEntryPoint.ChildVerb);
        if (native)
            foreach (string name in SelectingVariables) start.Environment.Remove(name);
        else if (!start.Environment.ContainsKey("OPENBLAS_CORETYPE"))
            start.Environment["OPENBLAS_CORETYPE"] = "Haswell";
        var shown = SelectingVariables.Where(start.Environment.ContainsKey).Select(v => $"{v}={start.Environment[v]}").ToArray();
        Environment = shown.Length == 0 ? "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset" : string.Join(' ', shown);

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start the OpenBLAS child");
        string ready = ReadLine();
        if (!ready.StartsWith("ready ", StringComparison.Ordinal)) throw new InvalidOperationException($"OpenBLAS child said '{ready}'");
        CoreName = ready["ready ".Length..];
    }

    public void PrepareGemm(int m, int n, int k, int threads) => Expect($"gemm {m} {n} {k} {threads}", "ok");

    public void PrepareGemv(int rows, int cols, int threads) => Expect($"gemv {rows} {cols} {threads}", "ok");

    public double Sample(bool threadCpuTime)
    {
        _process.StandardInput.WriteLine(threadCpuTime ? "sample-cpu" : "sample");
        return double.Parse(ReadLine(), CultureInfo.InvariantCulture);
    }

    private void Expect(string command, string answer)
    {
        _process.StandardInput.WriteLine(command);
        string line = ReadLine();
        if (line != answer) throw new InvalidOperationException($"OpenBLAS child answered '{line}' to '{command}'");
    }

    private string ReadLine() =>
        _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException($"OpenBLAS child exited (code {(_process.HasExited ? _process.ExitCode : -1)})");

    public void Dispose()
    {
        try
        {
            _process.StandardInput.WriteLine("quit");
            if (!_process.WaitForExit(5000)) _process.Kill();
        }
        catch (IOException)
        {
            // Already gone.
        }
        _process.Dispose();
    }
}
