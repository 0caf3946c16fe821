using System.Text.Json.Nodes;
using Loom.Cli;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;
using Loom.Tests.Formats.Gguf;

namespace Loom.Tests.Cli;

/// <summary>`loom bench llm`'s memory figures: weight, KV cache and activation bytes, and resident memory split into
/// file-backed (the mapped weights) and anonymous pages, before loading and after the runs.</summary>
[Collection(ConsoleCollection.Name)]
public class BenchLlmMemoryTests
{
    [Fact]
    public void Resident_memory_is_read_from_the_rss_lines_of_proc_status_in_bytes()
    {
        const string status = "Name:\tloom\nVmRSS:\t   66884 kB\nRssAnon:\t   20476 kB\nRssFile:\t   40512 kB\nRssShmem:\t    5896 kB\nVmSwap:\t0 kB\n";
        var memory = BenchLlmCommand.ResidentMemory.Parse(status);
        Assert.Equal(new BenchLlmCommand.ResidentMemory(40512L * 1024, 20476L * 1024, 5896L * 1024), memory);
        Assert.Null(BenchLlmCommand.ResidentMemory.Parse("Name:\tloom\nRssAnon:\t 20476 kB\nRssShmem:\t 1 kB\n")); // no RssFile
        Assert.Null(BenchLlmCommand.ResidentMemory.Parse("RssAnon:\t 20476 MB\nRssFile:\t 1 kB\nRssShmem:\t 1 kB\n")); // unknown unit
        if (OperatingSystem.IsLinux())
        {
            var now = BenchLlmCommand.ResidentMemory.Read();
            Assert.NotNull(now);
            Assert.True(now.AnonymousBytes > 0 && now.FileBytes > 0, now.ToString());
        }
    }

    [SharedGgufFact]
    public void Bench_llm_reports_weight_kv_cache_and_resident_memory_that_add_up()
    {
        // Tied output: every token multiplies by the whole embedding, so a run reads (and maps in) every weight byte.
        string path = SharedGgufFactAttribute.Model("qwen3-bpe3072-tied-q8_0.gguf");
        var (code, output, error) = LoomCli.Run("bench", "llm", path, "--prompt-tokens", "16", "--gen-tokens", "4", "--repetitions", "1", "--threads", "1", "--json");
        Assert.True(code == 0, error);
        var json = JsonNode.Parse(output)!.AsObject();

        long weights;
        using (var gguf = GgufFile.Open(path))
            weights = gguf.Tensors.Sum(t => GgmlTypeTraits.RowBytes(t.Type, t.RowLength) * t.RowCount);
        Assert.Equal(weights, (long)json["weightBytes"]!);
        Assert.True(weights < (long)json["fileBytes"]!); // the metadata (the vocabulary) is not weights

        // The context is the longer test (16 tokens), filled: 16 positions × (2 KV heads × 128 for K + the same for V)
        // × 2 layers × 4 bytes.
        Assert.Equal(16, (int)json["contextLength"]!);
        Assert.Equal(16L * (256 + 256) * 2 * 4, (long)json["kvCacheBytes"]!);
        Assert.Equal((long)json["kvCacheBytes"]!, (long)json["kvCacheBytesAtContext"]!);
        Assert.True((long)json["activationBytes"]! > 0);
        Assert.True((long)json["activationPeakBytes"]! >= (long)json["activationBytes"]!); // a prompt's rows, freed after it
        Assert.Equal(Loom.Inference.LlmSession.DefaultChunkRows, (int)json["chunkRows"]!);
        Assert.True((long)json["gcHeapBytes"]! > 0 && (long)json["gcHeapBaselineBytes"]! > 0);

        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(json["rssAnonBytes"]);
            return;
        }
        long file = (long)json["rssFileBytes"]!, anonymous = (long)json["rssAnonBytes"]!, baseline = (long)json["rssAnonBaselineBytes"]!;
        Assert.True(file >= weights, $"file-backed {file} B < weights {weights} B: the mapped weights are not all resident");
        Assert.True((long)json["rssFileBaselineBytes"]! > 0 && (long)json["rssShmemBytes"]! >= 0 && (long)json["rssShmemBaselineBytes"]! >= 0);
        Assert.True(anonymous > 0 && baseline > 0);
        Assert.Equal(anonymous - baseline, (long)json["anonGrowthBytes"]!);
        long kv = (long)json["kvCacheBytes"]!;
        Assert.Equal(Math.Round((double)(anonymous - baseline) / kv, 3), (double)json["anonGrowthPerKvCache"]!);
        long collected = (long)json["rssAnonAfterCollectBytes"]!;
        Assert.Equal(collected - baseline, (long)json["anonGrowthAfterCollectBytes"]!);
        Assert.Equal(Math.Round((double)(collected - baseline) / kv, 3), (double)json["anonGrowthAfterCollectPerKvCache"]!);

        (code, output, error) = LoomCli.Run("bench", "llm", path, "--prompt-tokens", "8", "--gen-tokens", "0", "--repetitions", "1", "--threads", "1");
        Assert.True(code == 0, error);
        Assert.Contains("memory: weights ", output);
        Assert.Contains("before loading: growth ", output);
        Assert.Contains("after a full GC ", output);
    }
}
