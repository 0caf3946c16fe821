using BenchmarkDotNet.Attributes;
using Loom.Text.Tokenizers;

namespace Loom.Benchmarks;

/// <summary>
/// Encoding speed of the tiktoken encodings on Moby-Dick (../shared/data/text/moby_dick.txt, 1.2 MB), single
/// threaded. MB/s = 1.21 / mean seconds. Run: dotnet run -c Release --project bench/Loom.Benchmarks -- --filter '*Tokenizer*'
/// </summary>
[MemoryDiagnoser]
public class TokenizerBenchmarks
{
    private readonly List<int> _ids = new(400_000);
    private string _text = "";
    private BpeTokenizer _tokenizer = null!;

    [Params("cl100k_base", "o200k_base")]
    public string Encoding { get; set; } = "cl100k_base";

    [GlobalSetup]
    public void Setup()
    {
        string shared = FindShared();
        _text = File.ReadAllText(Path.Combine(shared, "data", "text", "moby_dick.txt"));
        _tokenizer = TiktokenLoader.Load(Path.Combine(shared, "data", "tokenizers", "tiktoken", $"{Encoding}.tiktoken"));
    }

    /// <summary>Steady state: the piece cache is warm after the first iteration, as in a long-running server.</summary>
    [Benchmark]
    public int EncodeMobyDick()
    {
        _ids.Clear();
        _tokenizer.Encode(_text, _ids);
        return _ids.Count;
    }

    /// <summary>The shared data folder beside the repository, found from the working directory upwards.</summary>
    private static string FindShared()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "data", "tokenizers"))) return candidate;
            candidate = Path.Combine(dir.FullName, "..", "shared");
            if (Directory.Exists(Path.Combine(candidate, "data", "tokenizers"))) return Path.GetFullPath(candidate);
        }
        throw new DirectoryNotFoundException("TokenizerBenchmarks needs ../shared/data (tokenizers and text) beside the repository");
    }
}
