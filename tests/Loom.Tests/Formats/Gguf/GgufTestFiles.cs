using System.Text;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Tests.Formats.Gguf;

/// <summary>A temporary folder for GGUF test files, plus builders for valid and hand-broken files.</summary>
public sealed class GgufTestFiles : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), $"loom-gguf-{Guid.NewGuid():N}");

    public GgufTestFiles() => Directory.CreateDirectory(Dir);

    public string PathFor(string name) => Path.Combine(Dir, name);

    public string WriteBytes(string name, byte[] bytes)
    {
        string path = PathFor(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>A small valid file: a few metadata types, an F32 and a Q8_0 tensor.</summary>
    public static GgufWriter SmallWriter()
    {
        var random = new Random(7);
        var q8 = new byte[2 * 34];
        random.NextBytes(q8);
        q8[1] = 0x3C; q8[35] = 0x3C; // finite half scales
        var f32 = new byte[3 * 4];
        return new GgufWriter()
            .Set("general.architecture", GgufValue.String("llama"))
            .Set("test.count", GgufValue.UInt32(3))
            .Set("test.list", GgufValue.Array(new[] { "a", "bc" }))
            .AddTensor("w.f32", GgmlType.F32, [3], f32)
            .AddTensor("w.q8", GgmlType.Q8_0, [64], q8);
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Writes GGUF header fields by hand, for files the writer would refuse to produce.</summary>
public sealed class RawGguf
{
    private readonly MemoryStream _stream = new();
    private readonly BinaryWriter _w;

    public RawGguf(uint version = 3, ulong tensors = 0, ulong kvs = 0, uint magic = 0x46554747)
    {
        _w = new BinaryWriter(_stream);
        _w.Write(magic);
        _w.Write(version);
        _w.Write(tensors);
        _w.Write(kvs);
    }

    public RawGguf String(string s) => Bytes(Encoding.UTF8.GetBytes(s), withLength: true);

    public RawGguf Bytes(byte[] bytes, bool withLength = false)
    {
        if (withLength) _w.Write((ulong)bytes.Length);
        _w.Write(bytes);
        return this;
    }

    public RawGguf U32(uint v) { _w.Write(v); return this; }
    public RawGguf U64(ulong v) { _w.Write(v); return this; }
    public RawGguf U8(byte v) { _w.Write(v); return this; }

    /// <summary>A tensor info: name, dims, type id, offset.</summary>
    public RawGguf Tensor(string name, ulong[] dims, uint type, ulong offset)
    {
        String(name).U32((uint)dims.Length);
        foreach (ulong d in dims) U64(d);
        return U32(type).U64(offset);
    }

    public RawGguf PadTo(int alignment)
    {
        while (_stream.Length % alignment != 0) _w.Write((byte)0);
        return this;
    }

    public byte[] ToArray()
    {
        _w.Flush();
        return _stream.ToArray();
    }
}
