using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Tests.Formats.Gguf;

public class GgufWriterTests : IClassFixture<GgufTestFiles>
{
    private readonly GgufTestFiles _files;

    public GgufWriterTests(GgufTestFiles files) => _files = files;

    private static readonly (string Key, GgufValue Value)[] EveryType =
    [
        ("u8", GgufValue.UInt8(250)),
        ("i8", GgufValue.Int8(-100)),
        ("u16", GgufValue.UInt16(65000)),
        ("i16", GgufValue.Int16(-32000)),
        ("u32", GgufValue.UInt32(4_000_000_000)),
        ("i32", GgufValue.Int32(-2_000_000_000)),
        ("f32", GgufValue.Float32(-1.5e-7f)),
        ("bool.true", GgufValue.Bool(true)),
        ("bool.false", GgufValue.Bool(false)),
        ("str", GgufValue.String("héllo ▁wörld 🎉")),
        ("str.empty", GgufValue.String("")),
        ("u64", GgufValue.UInt64(ulong.MaxValue - 1)),
        ("i64", GgufValue.Int64(long.MinValue + 1)),
        ("f64", GgufValue.Float64(Math.PI)),
        ("arr.u8", GgufValue.Array(new byte[] { 1, 2, 255 })),
        ("arr.i8", GgufValue.Array(new sbyte[] { -1, 2 })),
        ("arr.u16", GgufValue.Array(new ushort[] { 7 })),
        ("arr.i16", GgufValue.Array(new short[] { -7, 8 })),
        ("arr.u32", GgufValue.Array(new uint[] { 1, uint.MaxValue })),
        ("arr.i32", GgufValue.Array(new[] { -1, 0, 1 })),
        ("arr.f32", GgufValue.Array(new[] { 0.5f, float.NegativeInfinity })),
        ("arr.bool", GgufValue.Array(new[] { true, false, true })),
        ("arr.str", GgufValue.Array(new[] { "a", "", "ü" })),
        ("arr.u64", GgufValue.Array(new ulong[] { ulong.MaxValue })),
        ("arr.i64", GgufValue.Array(new long[] { long.MinValue })),
        ("arr.f64", GgufValue.Array(new[] { 1e300 })),
        ("arr.empty", GgufValue.Array(Array.Empty<int>())),
        ("arr.nested", GgufValue.Array(new[] { GgufArray.Of(new[] { 1, 2 }), GgufArray.Of(new[] { 3 }) })),
        ("arr.nested2", GgufValue.Array(new[] { GgufArray.Of(new[] { GgufArray.Of(new[] { "deep" }) }) })),
    ];

    [Fact]
    public void EveryValueTypeAndTensorRoundTrips()
    {
        var writer = new GgufWriter().Set("general.alignment", GgufValue.UInt32(64));
        foreach (var (key, value) in EveryType) writer.Set(key, value);
        var random = new Random(3);
        var tensors = new (string Name, GgmlType Type, long[] Dims)[]
        {
            ("a", GgmlType.F32, [5, 3]), ("b", GgmlType.F16, [7]), ("c", GgmlType.Q8_0, [64, 2]),
            ("d", GgmlType.Q4_K, [256]), ("e", GgmlType.BF16, [2, 2, 2, 2]), ("empty", GgmlType.F32, [0, 4]),
        };
        var data = new Dictionary<string, byte[]>();
        foreach (var (name, type, dims) in tensors)
        {
            var bytes = new byte[GgmlTypeTraits.RowBytes(type, dims[0]) * dims.Skip(1).Aggregate(1L, (a, b) => a * b)];
            random.NextBytes(bytes);
            data[name] = bytes;
            writer.AddTensor(name, type, dims, bytes);
        }
        string path = _files.PathFor("every-type.gguf");
        writer.Write(path);

        using var file = GgufFile.Open(path);
        Assert.Equal(64u, file.Alignment);
        Assert.Equal(EveryType.Length + 1, file.Metadata.Count);
        for (int i = 0; i < EveryType.Length; i++)
        {
            Assert.Equal(EveryType[i].Key, file.Metadata[i + 1].Key);
            AssertSameValue(EveryType[i].Value, file.Metadata[i + 1].Value);
        }
        Assert.Equal(0, file.DataStart % 64);
        foreach (var (name, type, dims) in tensors)
        {
            var t = file.GetTensor(name);
            Assert.Equal(type, t.Type);
            Assert.Equal(dims, t.Dimensions);
            Assert.Equal(0, t.Offset % 64);
            Assert.True(file.GetTensorBytes(t).SequenceEqual(data[name]), name);
        }
        Assert.Equal(-2_000_000_000, file.GetInt32("i32"));
        Assert.Equal(Math.PI, file.GetFloat64("f64"));
        Assert.Equal("héllo ▁wörld 🎉", file.GetString("str"));
        Assert.Equal(new[] { 3 }, file.GetArray<GgufArray>("arr.nested")[1].Items);
    }

    [Fact]
    public void SetKeepsTheFirstPositionOfAKey()
    {
        string path = _files.PathFor("order.gguf");
        new GgufWriter().Set("a", GgufValue.UInt32(1)).Set("b", GgufValue.UInt32(2)).Set("a", GgufValue.String("x")).Write(path);
        using var file = GgufFile.Open(path);
        Assert.Equal(["a", "b"], file.Metadata.Select(kv => kv.Key));
        Assert.Equal("x", file.GetString("a"));
    }

    [Fact]
    public void WriterRejectsDataOfTheWrongSize()
    {
        var ex = Assert.Throws<Loom.Core.LoomException>(() => new GgufWriter().AddTensor("w", GgmlType.Q4_0, [64], new byte[35]));
        Assert.Contains("tensor 'w'", ex.Message);
        Assert.Contains("takes 36 bytes, found 35", ex.Message);
        Assert.Throws<Loom.Core.LoomException>(() => new GgufWriter().AddTensor("w", GgmlType.Q4_0, [48], new byte[27]));
    }

    [SharedGgufFact]
    public void RewritingReferenceFilesGivesTheSameBytes()
    {
        foreach (string name in new[] { "llama-spm2500-q4_k_m.gguf", "qwen3-bpe3072-tied-q4_0.gguf" })
        {
            string source = SharedGgufFactAttribute.Model(name);
            string copy = _files.PathFor("rewrite-" + name);
            using (var file = GgufFile.Open(source))
            {
                var writer = new GgufWriter();
                foreach (var (key, value) in file.Metadata) writer.Set(key, value);
                foreach (var t in file.Tensors) writer.AddTensor(t.Name, t.Type, t.Dimensions, file.GetTensorBytes(t).ToArray());
                writer.Write(copy);
            }
            Assert.True(File.ReadAllBytes(source).AsSpan().SequenceEqual(File.ReadAllBytes(copy)), name);
        }
    }

    internal static void AssertSameValue(GgufValue expected, GgufValue actual)
    {
        Assert.Equal(expected.Type, actual.Type);
        if (expected.Value is GgufArray a)
        {
            var b = Assert.IsType<GgufArray>(actual.Value);
            Assert.Equal(a.ElementType, b.ElementType);
            Assert.Equal(a.Items.GetType(), b.Items.GetType());
            Assert.Equal(a.Count, b.Count);
            for (int i = 0; i < a.Count; i++)
            {
                object x = a.Items.GetValue(i)!, y = b.Items.GetValue(i)!;
                if (x is GgufArray xa) AssertSameValue(GgufValue.Array(xa), GgufValue.Array((GgufArray)y));
                else Assert.Equal(x, y);
            }
        }
        else Assert.Equal(expected.Value, actual.Value);
    }
}
