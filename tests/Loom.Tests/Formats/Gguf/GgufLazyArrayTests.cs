using Loom.Core;
using Loom.Formats.Gguf;

namespace Loom.Tests.Formats.Gguf;

/// <summary>
/// Top-level metadata arrays stay in the memory map until first read: the same items as before, no vocabulary-sized
/// allocation when a file is opened, string items visitable without creating strings, and arrays still readable
/// after the file is unmapped.
/// </summary>
public sealed class GgufLazyArrayTests : IDisposable
{
    private const int Vocabulary = 20_000;
    private readonly string _dir = Directory.CreateTempSubdirectory("loom-gguf-lazy").FullName;
    private readonly string _path;
    private readonly string[] _tokens = [.. Enumerable.Range(0, Vocabulary).Select(i => i % 7 == 0 ? $"▁wörd{i}🎉" : $"t{i}")];
    private readonly float[] _scores = [.. Enumerable.Range(0, Vocabulary).Select(i => -i * 0.25f)];

    public GgufLazyArrayTests()
    {
        _path = Path.Combine(_dir, "vocab.gguf");
        new GgufWriter()
            .Set("tokenizer.ggml.tokens", GgufValue.Array(_tokens))
            .Set("tokenizer.ggml.scores", GgufValue.Array(_scores))
            .Set("tokenizer.ggml.token_type", GgufValue.Array(Enumerable.Range(0, Vocabulary).Select(i => i % 6).ToArray()))
            .Set("small", GgufValue.Array(new[] { "x", "", "ü" }))
            .Write(_path);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void OpeningAllocatesNothingInProportionToTheVocabulary()
    {
        GgufFile.Open(_path).Dispose(); // JIT and type loading out of the way
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var file = GgufFile.Open(_path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The texts alone would take ~1 MB as strings (and the scores 80 KB); the header objects take a few KB.
        Assert.True(allocated < 64 * 1024, $"opening allocated {allocated} bytes");
        Assert.True(file.TryGetArrayLength<string>("tokenizer.ggml.tokens", out int n));
        Assert.Equal(Vocabulary, n);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64 * 1024);
    }

    [Fact]
    public void ItemsReadLaterAreTheItemsWritten()
    {
        using var file = GgufFile.Open(_path);
        Assert.Equal(_tokens, file.GetArray<string>("tokenizer.ggml.tokens"));
        Assert.Same(file.GetArray<string>("tokenizer.ggml.tokens"), file.GetArray<string>("tokenizer.ggml.tokens"));
        Assert.Equal(_scores, file.GetArray<float>("tokenizer.ggml.scores"));
        Assert.Equal([0u, 1u, 2u], file.GetArray<uint>("tokenizer.ggml.token_type").Take(3)); // int32 items as uint, as before
        Assert.Equal(["x", "", "ü"], file.GetArray<string>("small"));
        Assert.StartsWith("string[20000] [\"▁wörd0🎉\", \"t1\"", file.GetValue("tokenizer.ggml.tokens").ToString());
    }

    [Fact]
    public void ForEachStringGivesTheSameTextsWithoutKeepingThem()
    {
        using var file = GgufFile.Open(_path);
        var seen = new List<string>();
        Assert.True(file.TryForEachString("tokenizer.ggml.tokens", (i, text) =>
        {
            Assert.Equal(seen.Count, i);
            seen.Add(text.ToString());
        }));
        Assert.Equal(_tokens, seen);
        Assert.False(file.TryForEachString("missing", (_, _) => { }));
        Assert.Throws<LoomException>(() => file.TryForEachString("tokenizer.ggml.scores", (_, _) => { }));
        Assert.Throws<LoomException>(() => file.TryGetArrayLength<string>("tokenizer.ggml.scores", out _));
    }

    [Fact]
    public void ArraysReadAfterDisposeAreTheSame()
    {
        var file = GgufFile.Open(_path);
        var scores = (GgufArray)file.GetValue("tokenizer.ggml.scores").Value;
        float[] readBefore = (float[])scores.Items;
        var tokens = (GgufArray)file.GetValue("tokenizer.ggml.tokens").Value;
        var types = (GgufArray)file.GetValue("tokenizer.ggml.token_type").Value;
        file.Dispose();
        Assert.Same(readBefore, scores.Items);
        Assert.Equal(_tokens, (string[])tokens.Items);
        Assert.Equal(Vocabulary, types.Count);
        Assert.Equal((Vocabulary - 1) % 6, ((int[])types.Items)[Vocabulary - 1]);
        Assert.True(file.TryForEachString("small", (i, text) => Assert.Equal(i == 2 ? "ü" : i == 0 ? "x" : "", text.ToString())));
    }
}
