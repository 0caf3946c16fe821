using System.Text;
using System.Text.Json;
using Loom.Core;
using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

/// <summary>Shared-data paths, test-vector reading and random text for the tokenizer tests.</summary>
internal static class TokenizerTestData
{
    public const string TiktokenFolder = "data/tokenizers/tiktoken";
    public const string QwenFolder = "data/tokenizers/qwen3";

    public static string SharedPath(string relative) =>
        Path.Combine(TestPaths.Shared ?? throw new InvalidOperationException("../shared is absent"), relative);

    public sealed record Vector(string Encoding, string Text, int[] Ids, bool RoundTrip);

    /// <summary>The vectors of a JSON-lines file: {"encoding"?, "text", "ids", "roundtrip"?}.</summary>
    public static List<Vector> ReadVectors(string relativeFile)
    {
        var vectors = new List<Vector>();
        foreach (string line in File.ReadLines(SharedPath(relativeFile)))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            vectors.Add(new Vector(
                root.TryGetProperty("encoding", out var e) ? e.GetString()! : "",
                root.GetProperty("text").GetString()!,
                [.. root.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32())],
                !root.TryGetProperty("roundtrip", out var r) || r.GetBoolean()));
        }
        return vectors;
    }

    /// <summary>Checks every vector: encode gives the ids, and decode gives the text back where it should; fails
    /// once, listing the first mismatches.</summary>
    public static void AssertVectors(ITokenizer tokenizer, IReadOnlyCollection<Vector> vectors, bool allowSpecial)
    {
        Assert.NotEmpty(vectors);
        var failures = new List<string>();
        foreach (var v in vectors)
        {
            int[] ids = tokenizer.Encode(v.Text, allowSpecial);
            if (!ids.SequenceEqual(v.Ids))
                failures.Add($"encode {JsonSerializer.Serialize(v.Text)}: expected [{string.Join(",", v.Ids)}], got [{string.Join(",", ids)}]");
            if (v.RoundTrip && tokenizer.Decode(v.Ids) is var text && text != v.Text)
                failures.Add($"decode of {JsonSerializer.Serialize(v.Text)} gave {JsonSerializer.Serialize(text)}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {vectors.Count} vectors failed:\n" + string.Join("\n", failures.Take(10)));
    }

    /// <summary>Random valid text mixing ASCII, controls, Latin-1, combining marks, CJK, Hangul and emoji (surrogate
    /// pairs), with words and spaces so that pre-tokenization has something to split.</summary>
    public static string RandomText(LoomRandom random, int maxLength)
    {
        int[][] ranges =
        [
            [0x61, 0x7A], [0x41, 0x5A], [0x30, 0x39], [0x20, 0x20], [0x20, 0x20], [0x00, 0x1F], [0x21, 0x2F], [0xA0, 0xFF],
            [0x300, 0x36F], [0x4E00, 0x4FFF], [0xAC00, 0xAD00], [0x1F600, 0x1F64F], [0x1D400, 0x1D433], [0x2000, 0x206F],
        ];
        int length = random.NextInt(maxLength + 1);
        var builder = new StringBuilder();
        for (int i = 0; i < length; i++)
        {
            int[] range = ranges[random.NextInt(ranges.Length)];
            builder.Append(char.ConvertFromUtf32(range[0] + random.NextInt(range[1] - range[0] + 1)));
        }
        return builder.ToString();
    }
}
