using System.Buffers.Binary;
using Loom.Core;
using Loom.Formats.Gguf;

namespace Loom.Tests.Formats.Gguf;

/// <summary>
/// The llama.cpp reference files mutated in many seeded ways — truncated, bytes flipped, counts and lengths made huge,
/// type ids broken, tensor offsets misaligned, overlapping or out of range, dimensions whose product overflows. Every
/// mutant must either parse into a consistent layout or be rejected with a LoomException naming the file; any other
/// exception, or an allocation out of proportion to the file, is a failure. The header parser runs on the buffers in
/// memory (a mutation is applied in place and undone), and a few mutants also go through <see cref="GgufFile.Open"/>.
/// </summary>
public unsafe class GgufFuzzTests : IClassFixture<GgufTestFiles>
{
    private const string FuzzName = "fuzz.gguf";
    private readonly GgufTestFiles _files;

    public GgufFuzzTests(GgufTestFiles files) => _files = files;

    private sealed class Outcomes
    {
        public int Parsed, Rejected;
        public readonly List<string> Failures = [];
    }

    /// <summary>Parses bytes [0, length) and classifies the outcome.</summary>
    private static void Check(byte* start, long length, string what, Outcomes outcomes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            var header = GgufHeaderReader.Read(new GgufCursor(start, length, FuzzName));
            foreach (var t in header.Tensors)
                if (t.ByteSize < 0 || t.DataOffset < header.DataStart || t.DataOffset + t.ByteSize > length)
                    outcomes.Failures.Add($"{what}: accepted tensor '{t.Name}' with {t.ByteSize} bytes at {t.DataOffset} in a file of {length}");
            outcomes.Parsed++;
        }
        catch (LoomException e)
        {
            if (!e.Message.Contains(FuzzName)) outcomes.Failures.Add($"{what}: the error does not name the file: {e.Message}");
            outcomes.Rejected++;
        }
        catch (Exception e)
        {
            outcomes.Failures.Add($"{what}: {e.GetType().Name}: {e.Message}");
        }
        // Strings become UTF-16 objects and arrays boxed values: a few times the bytes they came from, never more.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > 16 * length + (1 << 20)) outcomes.Failures.Add($"{what}: allocated {allocated} bytes for a file of {length}");
    }

    /// <summary>Writes <paramref name="value"/> over a field, parses, and restores the original bytes.</summary>
    private static void CheckWithField(byte[] bytes, byte* start, GgufField field, ulong value, string what, Outcomes outcomes)
    {
        Span<byte> saved = stackalloc byte[8];
        var target = bytes.AsSpan(field.Offset, field.Size);
        target.CopyTo(saved);
        if (field.Size == 8) BinaryPrimitives.WriteUInt64LittleEndian(target, value);
        else BinaryPrimitives.WriteUInt32LittleEndian(target, (uint)value);
        Check(start, bytes.Length, $"{what} ({field.Kind} at {field.Offset} := {value})", outcomes);
        saved[..field.Size].CopyTo(target);
    }

    private static ulong Original(byte[] bytes, GgufField field) =>
        field.Size == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(field.Offset)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(field.Offset));

    private static ulong[] ValuesFor(GgufField field, ulong original, long length, Random random) => field.Kind switch
    {
        GgufFieldKind.ValueType or GgufFieldKind.ArrayElementType => [13, 255, uint.MaxValue, (ulong)random.Next(13)],
        GgufFieldKind.TensorType => [4, 5, 31, 40, 1000, uint.MaxValue, (ulong)random.Next(31)],
        GgufFieldKind.DimensionCount => [0, 1, 3, 4, 5, uint.MaxValue],
        GgufFieldKind.Dimension => [0, 1, 1UL << 32, 1UL << 40, 1UL << 62, long.MaxValue, ulong.MaxValue, original * 2, original + 1],
        GgufFieldKind.TensorOffset => [original + 1, original + 16, original + 32, (ulong)length, ulong.MaxValue, 1UL << 63, long.MaxValue - 31],
        _ => [ulong.MaxValue, 1UL << 63, 1UL << 62, 1UL << 32, int.MaxValue, (ulong)int.MaxValue + 1, (ulong)length, original + 1,
              original - 1, original * 2, 0],
    };

    private static Outcomes Fuzz(byte[] bytes, int seed, int truncations, int flips, int fieldMutations)
    {
        var outcomes = new Outcomes();
        var map = new GgufHeaderMap(bytes);
        var random = new Random(seed);
        fixed (byte* start = bytes)
        {
            Check(start, bytes.Length, "unmutated", outcomes);
            Assert.Equal(1, outcomes.Parsed);

            // Truncation anywhere in the header, just before and after it, and inside the data.
            var cuts = new List<long> { 0, 4, 8, 23, 24, map.HeaderEnd - 1, map.HeaderEnd, map.HeaderEnd + 1, bytes.Length - 1 };
            for (int i = 0; i < truncations; i++) cuts.Add(random.NextInt64(map.HeaderEnd));
            for (int i = 0; i < truncations / 4; i++) cuts.Add(random.NextInt64(map.HeaderEnd, bytes.Length));
            foreach (long cut in cuts.Where(c => c >= 0 && c < bytes.Length)) Check(start, cut, $"truncated at {cut}", outcomes);

            // Random bytes flipped in the header.
            for (int i = 0; i < flips; i++)
            {
                int count = 1 + random.Next(3);
                var positions = Enumerable.Range(0, count).Select(_ => random.Next(map.HeaderEnd)).Distinct().ToArray();
                var saved = positions.Select(p => bytes[p]).ToArray();
                foreach (int p in positions) bytes[p] ^= (byte)(1 + random.Next(255));
                Check(start, bytes.Length, $"bytes flipped at {string.Join(", ", positions)}", outcomes);
                for (int k = 0; k < positions.Length; k++) bytes[positions[k]] = saved[k];
            }

            // Structural fields set to hostile values: every kind, a few fields each.
            foreach (var group in map.Fields.GroupBy(f => f.Kind))
            {
                var fields = group.ToList();
                for (int i = 0; i < fieldMutations; i++)
                {
                    var field = fields[random.Next(fields.Count)];
                    ulong original = Original(bytes, field);
                    var values = ValuesFor(field, original, bytes.Length, random);
                    CheckWithField(bytes, start, field, values[random.Next(values.Length)], "field", outcomes);
                }
            }

            FuzzTensorLayout(bytes, start, map, random, outcomes);
        }
        return outcomes;
    }

    /// <summary>Offsets that overlap another tensor, and shapes whose element count or byte size overflows int64.</summary>
    private static void FuzzTensorLayout(byte[] bytes, byte* start, GgufHeaderMap map, Random random, Outcomes outcomes)
    {
        var offsets = map.OfKind(GgufFieldKind.TensorOffset).ToList();
        if (offsets.Count >= 2)
            for (int i = 0; i < 4; i++)
            {
                var a = offsets[random.Next(offsets.Count)];
                var b = offsets[random.Next(offsets.Count)];
                if (a.Tensor != b.Tensor) CheckWithField(bytes, start, a, Original(bytes, b), "overlap", outcomes);
            }
        foreach (int tensor in Enumerable.Range(0, map.TensorCount).OrderBy(_ => random.Next()).Take(4))
        {
            var dims = map.OfKind(GgufFieldKind.Dimension).Where(f => f.Tensor == tensor).ToList();
            foreach (int log2 in new[] { 64, 63, 62, 61, 58 }) // total elements 2^log2, split over the dimensions
            {
                var saved = dims.Select(d => Original(bytes, d)).ToArray();
                int each = log2 / dims.Count, extra = log2 - each * dims.Count;
                for (int d = 0; d < dims.Count; d++)
                    BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(dims[d].Offset), 1UL << (each + (d == 0 ? extra : 0)));
                Check(start, bytes.Length, $"tensor {tensor}: 2^{log2} elements", outcomes);
                for (int d = 0; d < dims.Count; d++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(dims[d].Offset), saved[d]);
            }
        }
    }

    private static void AssertNoFailures(Outcomes outcomes, string file)
    {
        Assert.True(outcomes.Failures.Count == 0,
            $"{file}: {outcomes.Failures.Count} mutants misbehaved:\n" + string.Join("\n", outcomes.Failures.Take(20)));
        Assert.True(outcomes.Rejected > 0, $"{file}: no mutant was rejected");
    }

    [SharedGgufFact]
    public void MutatedModelFilesParseOrFailWithALoomException()
    {
        var models = SharedGgufFactAttribute.AllFiles.Where(f => f.Contains($"{Path.DirectorySeparatorChar}models{Path.DirectorySeparatorChar}")).ToList();
        Assert.NotEmpty(models);
        for (int i = 0; i < models.Count; i++)
        {
            byte[] bytes = File.ReadAllBytes(models[i]);
            var outcomes = Fuzz(bytes, seed: 1000 + i, truncations: 12, flips: 12, fieldMutations: 3);
            AssertNoFailures(outcomes, Path.GetFileName(models[i]));
        }
    }

    [SharedGgufFact]
    public void MutatedVocabularyFilesParseOrFailWithALoomException()
    {
        // Tensor-less files whose headers are megabytes of strings: fewer mutants, each parse is longer.
        var vocab = SharedGgufFactAttribute.AllFiles.Where(f => f.Contains($"{Path.DirectorySeparatorChar}vocab{Path.DirectorySeparatorChar}"))
            .OrderBy(f => new FileInfo(f).Length).Take(1).ToList();
        foreach (string file in vocab)
        {
            byte[] bytes = File.ReadAllBytes(file);
            var outcomes = Fuzz(bytes, seed: 7, truncations: 4, flips: 3, fieldMutations: 1);
            AssertNoFailures(outcomes, Path.GetFileName(file));
        }
    }

    [SharedGgufFact]
    public void MutatedFilesOnDiskOpenOrFailAndOpenedTensorsAreReadable()
    {
        string source = SharedGgufFactAttribute.Model("llama-gpt2bpe4096-tied-q4_0.gguf");
        byte[] original = File.ReadAllBytes(source);
        var map = new GgufHeaderMap(original);
        var random = new Random(42);
        var offsets = map.OfKind(GgufFieldKind.TensorOffset).ToList();
        var mutants = new List<(string What, byte[] Bytes)>
        {
            ("truncated in the header", original[..(map.HeaderEnd / 2)]),
            ("truncated in the data", original[..(original.Length - 1000)]),
            ("the last tensor past the end", WithField(original, offsets[^1], (ulong)original.Length)),
            ("a misaligned offset", WithField(original, offsets[random.Next(offsets.Count)], Original(original, offsets[0]) + 1)),
            ("two tensors at one offset", WithField(original, offsets[1], Original(original, offsets[0]))),
            ("unchanged", original),
        };
        int opened = 0;
        foreach (var (what, bytes) in mutants)
        {
            string path = _files.WriteBytes($"mutant-{opened}-{Guid.NewGuid():N}.gguf", bytes);
            try
            {
                using var file = GgufFile.Open(path);
                long checksum = 0;
                foreach (var t in file.Tensors)
                    foreach (byte b in file.GetTensorBytes(t)) checksum += b; // touches every mapped byte it hands out
                Assert.True(checksum > 0, what);
                opened++;
            }
            catch (LoomException e)
            {
                Assert.Contains(Path.GetFileName(path), e.Message);
            }
        }
        Assert.Equal(1, opened); // only the unchanged file is valid
    }

    private static byte[] WithField(byte[] original, GgufField field, ulong value)
    {
        var copy = (byte[])original.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(field.Offset), value);
        return copy;
    }
}
