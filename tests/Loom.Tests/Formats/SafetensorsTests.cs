using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Loom.Core;
using Loom.Formats;

namespace Loom.Tests.Formats;

public class SafetensorsTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsTests(SafetensorsTestFiles files) => _files = files;

    private static NamedTensor[] SampleTensors(ulong seed)
    {
        var rng = new LoomRandom(seed);
        NamedTensor Make(string name, params int[] shape)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            var data = new float[n];
            for (int i = 0; i < n; i++) data[i] = (float)(rng.NextGaussian() * 3);
            return new NamedTensor(name, shape, data);
        }
        // Deliberately not in name order; includes a scalar and an empty tensor.
        return [Make("wte.weight", 7, 5), Make("ln_f.bias", 5), Make("blocks.0.attn.c_attn.weight", 5, 3, 2), Make("scale"), Make("empty", 0, 4)];
    }

    [Fact]
    public void F32RoundTripIsExactAndSortedByName()
    {
        var tensors = SampleTensors(1);
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["loom.note"] = "ünïcode ✓" };
        string path = _files.PathFor("f32.safetensors");
        Safetensors.Save(path, tensors, metadata: metadata);

        var loaded = Safetensors.Load(path);
        Assert.Equal(tensors.Select(t => t.Name).Order(StringComparer.Ordinal), loaded.Tensors.Select(t => t.Name));
        foreach (var t in tensors)
        {
            var back = loaded.Get(t.Name);
            Assert.Equal(t.Shape, back.Shape);
            Assert.Equal(t.Data, back.Data);
        }
        Assert.Equal(metadata, loaded.Metadata);
        Assert.Equal(0, (8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path))) % 8); // data aligned
    }

    [Theory]
    [InlineData(SafetensorsDType.F16, 10)] // half keeps 10 fraction bits: relative error ≤ 2^-11
    [InlineData(SafetensorsDType.BF16, 7)] // bfloat16 keeps 7: ≤ 2^-8
    public void HalfPrecisionRoundTripsWithinRounding(SafetensorsDType dtype, int fractionBits)
    {
        var tensors = SampleTensors(2);
        string path = _files.PathFor($"{dtype}.safetensors");
        Safetensors.Save(path, tensors, dtype);

        var header = Safetensors.ReadHeader(path);
        Assert.All(header.Tensors, t => Assert.Equal(dtype, t.DType));
        var loaded = Safetensors.Load(path);
        foreach (var t in tensors)
        {
            var back = loaded.Get(t.Name);
            for (int i = 0; i < t.Data.Length; i++)
                Assert.True(Math.Abs(t.Data[i] - back.Data[i]) <= Math.Abs(t.Data[i]) * Math.Pow(2, -fractionBits - 1) + 1e-7,
                    $"{t.Name}[{i}]: {t.Data[i]} → {back.Data[i]}");
        }
        Assert.Equal(tensors.Sum(t => 2L * t.Data.Length), header.Tensors.Sum(t => t.End - t.Begin));
    }

    [Fact]
    public void HandBuiltFileLoadsWithTheExpectedValues()
    {
        // "b": F32 [2] = {1.5, -2}; "a": BF16 [1] = 0x3FC0 (1.5); "c": F16 [2,1] = {0x3C00 (1), 0xC000 (-2)}.
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(1.5f));
        data.AddRange(BitConverter.GetBytes(-2f));
        data.AddRange([0xC0, 0x3F]);
        data.AddRange([0x00, 0x3C, 0x00, 0xC0]);
        string json = """
            {"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},
             "__metadata__":{"format":"pt"},
             "a":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},
             "c":{"dtype":"F16","shape":[2,1],"data_offsets":[10,14]}}
            """;
        string path = _files.WriteRaw("hand.safetensors", json, data.ToArray());

        var loaded = Safetensors.Load(path);
        Assert.Equal(["b", "a", "c"], loaded.Tensors.Select(t => t.Name)); // file (offset) order
        Assert.Equal([1.5f, -2f], loaded.Get("b").Data);
        Assert.Equal([1.5f], loaded.Get("a").Data);
        Assert.Equal([1f, -2f], loaded.Get("c").Data);
        Assert.Equal([2, 1], loaded.Get("c").Shape);
        Assert.Equal("pt", loaded.Metadata["format"]);
        var missing = Assert.Throws<LoomException>(() => loaded.Get("d"));
        Assert.Contains("'d'", missing.Message);
    }

    [Fact]
    public void WrittenHeaderIsTheHuggingFaceLayout()
    {
        string path = _files.PathFor("layout.safetensors");
        Safetensors.Save(path, [new NamedTensor("z", [2], [1f, 2f]), new NamedTensor("a", [1, 1], [3f])], SafetensorsDType.F32,
            new Dictionary<string, string> { ["k"] = "v" });
        byte[] bytes = File.ReadAllBytes(path);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, n);
        Assert.All(header[(header.LastIndexOf('}') + 1)..], c => Assert.Equal(' ', c)); // padded with spaces only
        using var doc = JsonDocument.Parse(header);
        var a = doc.RootElement.GetProperty("a");
        Assert.Equal("F32", a.GetProperty("dtype").GetString());
        Assert.Equal([0L, 4L], a.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([4L, 12L], doc.RootElement.GetProperty("z").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal("v", doc.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
        Assert.Equal(8 + n + 12, bytes.Length);
        Assert.Equal(3f, BitConverter.ToSingle(bytes, 8 + n)); // "a" first: sorted by name
    }

    [Fact]
    public void SaveIsAtomicAndLeavesNoTemporaryFiles()
    {
        string path = _files.PathFor(Path.Combine("atomic", "model.safetensors"));
        Safetensors.Save(path, SampleTensors(3));
        Safetensors.Save(path, SampleTensors(4), SafetensorsDType.BF16); // replaces the first
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
        Assert.All(Safetensors.ReadHeader(path).Tensors, t => Assert.Equal(SafetensorsDType.BF16, t.DType));

        // A save refused before writing leaves the old file as it was.
        byte[] before = File.ReadAllBytes(path);
        Assert.Throws<LoomException>(() => Safetensors.Save(path, [new NamedTensor("x", [1], [1f]), new NamedTensor("x", [1], [2f])]));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void SaveRejectsDuplicateReservedAndMisshapenTensors()
    {
        string path = _files.PathFor("bad-save.safetensors");
        var ex = Assert.Throws<LoomException>(() => Safetensors.Save(path, [new NamedTensor("w", [1], [1f]), new NamedTensor("w", [1], [1f])]));
        Assert.Contains("duplicate tensor name 'w'", ex.Message);
        ex = Assert.Throws<LoomException>(() => Safetensors.Save(path, [new NamedTensor("__metadata__", [1], [1f])]));
        Assert.Contains("reserved", ex.Message);
        ex = Assert.Throws<LoomException>(() => Safetensors.Save(path, [new NamedTensor("w", [2, 3], new float[5])]));
        Assert.Equal(LoomErrorCode.ShapeMismatch, ex.Code);
        Assert.Contains("[2, 3]", ex.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        var ex = Assert.Throws<LoomException>(() => Safetensors.Load(_files.PathFor("nope.safetensors")));
        Assert.Equal(LoomErrorCode.FileNotFound, ex.Code);
        Assert.Contains("nope.safetensors", ex.Message);
    }

    [SharedSafetensorsFact]
    public void SharedReferenceFilesLoad()
    {
        foreach (string file in SharedSafetensorsFactAttribute.Files)
        {
            var header = Safetensors.ReadHeader(file);
            var loaded = Safetensors.Load(file);
            Assert.Equal(header.Tensors.Count, loaded.Tensors.Count);
            Assert.All(loaded.Tensors, t => Assert.Equal(t.Shape.Aggregate(1L, (a, b) => a * b), t.Data.Length));
        }
    }
}
