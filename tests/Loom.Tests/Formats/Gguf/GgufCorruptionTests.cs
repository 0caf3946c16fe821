using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels.Quant;

namespace Loom.Tests.Formats.Gguf;

/// <summary>Broken, truncated and fuzzed files fail with a LoomException that names the file and the problem.</summary>
public class GgufCorruptionTests : IClassFixture<GgufTestFiles>
{
    private readonly GgufTestFiles _files;

    public GgufCorruptionTests(GgufTestFiles files) => _files = files;

    private LoomException Rejected(byte[] bytes, string expectedInMessage, LoomErrorCode code = LoomErrorCode.InvalidFormat)
    {
        string name = $"bad-{Guid.NewGuid():N}.gguf";
        string path = _files.WriteBytes(name, bytes);
        var ex = Assert.Throws<LoomException>(() => GgufFile.Open(path).Dispose());
        Assert.Equal(code, ex.Code);
        Assert.Contains(name, ex.Message);
        Assert.Contains(expectedInMessage, ex.Message);
        return ex;
    }

    private static byte[] SmallFile()
    {
        var stream = new MemoryStream();
        GgufTestFiles.SmallWriter().WriteTo(stream);
        return stream.ToArray();
    }

    [Fact]
    public void HeaderFieldsThatAreWrong()
    {
        Rejected(new RawGguf(magic: 0x46554746).ToArray(), "expected the magic \"GGUF\"");
        Rejected(new RawGguf(version: 1).ToArray(), "version 1 is not supported", LoomErrorCode.NotSupported);
        Rejected(new RawGguf(version: 4).ToArray(), "version 4 is not supported");
        Rejected(new RawGguf(version: 0x03000000).ToArray(), "big-endian");
        Rejected([0x47, 0x47, 0x55], "the file has 3");
        Rejected(new RawGguf(tensors: 1UL << 60).ToArray(), "the tensor count is 1152921504606846976");
        Rejected(new RawGguf(kvs: ulong.MaxValue).ToArray(), "the metadata entry count");
    }

    [Fact]
    public void MetadataThatIsWrong()
    {
        Rejected(new RawGguf(kvs: 1).String("k").U32(13).U32(0).ToArray(), "unknown GGUF value type id 13");
        Rejected(new RawGguf(kvs: 1).String("k").U32(8).U64(1UL << 40).ToArray(), "metadata 'k': string length is 1099511627776");
        Rejected(new RawGguf(kvs: 1).String("k").U32(9).U32(4).U64(1UL << 40).ToArray(), "metadata 'k': array length");
        Rejected(new RawGguf(kvs: 1).String("k").U32(7).U8(2).ToArray(), "a bool must be 0 or 1, found 2");
        Rejected(new RawGguf(kvs: 2).String("k").U32(4).U32(1).String("k").U32(4).U32(1).ToArray(), "'k' appears twice");
        Rejected(new RawGguf(kvs: 1).Bytes([0xC3, 0x28], withLength: true).U32(4).U32(1).ToArray(), "key is not valid UTF-8");
        Rejected(new RawGguf(kvs: 1).String("general.alignment").U32(4).U32(48).ToArray(), "expected a power of two, found 48");
        Rejected(new RawGguf(kvs: 1).String("general.alignment").U32(5).U32(32).ToArray(), "expected uint32, found Int32");

        var deep = new RawGguf(kvs: 1).String("k").U32(9);
        for (int i = 0; i < 20; i++) deep.U32(9).U64(1);
        Rejected(deep.ToArray(), "nested deeper than 16");
    }

    [Fact]
    public void TensorInfosThatAreWrong()
    {
        Rejected(new RawGguf(tensors: 1).Tensor("w", [1, 1, 1, 1, 1], 0, 0).ToArray(), "tensor 'w': expected at most 4 dimensions, found 5");
        Rejected(new RawGguf(tensors: 1).Tensor("w", [32], 4, 0).PadTo(32).Bytes(new byte[64]).ToArray(), "tensor 'w': unknown ggml type id 4");
        Rejected(new RawGguf(tensors: 1).Tensor("w", [48], 8, 0).PadTo(32).Bytes(new byte[64]).ToArray(), "must be a multiple of 32 elements, found 48");
        Rejected(new RawGguf(tensors: 1).Tensor("w", [8], 0, 16).PadTo(32).Bytes(new byte[64]).ToArray(), "multiple of the alignment 32, found 16");
        Rejected(new RawGguf(tensors: 1).Tensor("w", [1UL << 62, 1UL << 62], 0, 0).PadTo(32).ToArray(), "more than 2^63 elements");
        var ex = Rejected(new RawGguf(tensors: 1).Tensor("w", [32], 8, 0).PadTo(32).Bytes(new byte[30]).ToArray(), "tensor 'w'");
        Assert.Contains("needs 34 bytes", ex.Message);
        Assert.Contains("the file has 30 bytes there", ex.Message);
        Rejected(new RawGguf(tensors: 2).Tensor("w", [1], 0, 0).Tensor("w", [1], 0, 32).PadTo(32).Bytes(new byte[64]).ToArray(), "'w' appears twice");
        Rejected(new RawGguf(tensors: 2).Tensor("a", [16], 0, 0).Tensor("b", [1], 0, 32).PadTo(32).Bytes(new byte[64]).ToArray(),
            "tensor 'b' at data offset 32 overlaps tensor 'a' (64 bytes at 0)");
    }

    [Fact]
    public void EveryTruncationFailsCleanly()
    {
        byte[] bytes = SmallFile();
        using (var whole = GgufFile.Open(_files.WriteBytes("whole.gguf", bytes)))
        {
            long dataEnd = whole.Tensors.Max(t => t.DataOffset + t.ByteSize);
            for (int cut = 0; cut < bytes.Length; cut++)
            {
                string path = _files.WriteBytes("cut.gguf", bytes[..cut]);
                if (cut < dataEnd)
                {
                    var ex = Assert.Throws<LoomException>(() => GgufFile.Open(path).Dispose());
                    Assert.Equal(LoomErrorCode.InvalidFormat, ex.Code);
                    Assert.Contains("cut.gguf", ex.Message);
                }
                else GgufFile.Open(path).Dispose(); // only trailing padding is missing
            }
        }
    }

    [Fact]
    public void RandomMutationsNeverEscapeAsOtherExceptions()
    {
        byte[] original = SmallFile();
        var random = new Random(11);
        int rejected = 0;
        for (int round = 0; round < 400; round++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int k = random.Next(1, 4); k > 0; k--)
            {
                int at = random.Next(Math.Min(bytes.Length, 200)); // the header, where the structure is
                bytes[at] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => 0xFF, _ => (byte)(bytes[at] ^ (1 << random.Next(8))) };
            }
            string path = _files.WriteBytes("fuzz.gguf", bytes);
            try
            {
                using var file = GgufFile.Open(path);
                foreach (var t in file.Tensors) _ = file.GetTensorBytes(t).Length;
            }
            catch (LoomException)
            {
                rejected++;
            }
        }
        Assert.InRange(rejected, 100, 400); // most single-byte header changes break something
    }

    [SharedGgufFact]
    public void TruncatedReferenceFilesFailCleanly()
    {
        byte[] bytes = File.ReadAllBytes(SharedGgufFactAttribute.Model("llama-gpt2bpe4096-tied-q4_0.gguf"));
        var random = new Random(5);
        for (int i = 0; i < 40; i++)
        {
            int cut = i < 20 ? random.Next(200_000) : random.Next(bytes.Length - 64);
            string path = _files.WriteBytes("ref-cut.gguf", bytes[..cut]);
            var ex = Assert.Throws<LoomException>(() => GgufFile.Open(path).Dispose());
            Assert.Equal(LoomErrorCode.InvalidFormat, ex.Code);
        }
    }

    [Fact]
    public void AccessorsNameTheKeyAndTypes()
    {
        string path = _files.PathFor("accessors.gguf");
        GgufTestFiles.SmallWriter().Write(path);
        using var file = GgufFile.Open(path);
        var wrong = Assert.Throws<LoomException>(() => file.GetString("test.count"));
        Assert.Contains("metadata 'test.count': expected String, found UInt32", wrong.Message);
        var missing = Assert.Throws<LoomException>(() => file.GetUInt32("no.such.key"));
        Assert.Contains("'no.such.key' is missing", missing.Message);
        var array = Assert.Throws<LoomException>(() => file.GetArray<int>("test.list"));
        Assert.Contains("expected array of Int32, found array of String", array.Message);
        Assert.Throws<LoomException>(() => file.GetArray<int>("test.count"));
        Assert.False(file.TryGetUInt32("no.such.key", out _));
        Assert.True(file.TryGetUInt32("test.count", out uint count));
        Assert.Equal(3u, count);
        Assert.Throws<LoomException>(() => file.TryGetFloat32("test.count", out _));
        Assert.True(file.TryGetArray("test.list", out string[] list));
        Assert.Equal(["a", "bc"], list);
        Assert.Contains("no tensor named 'nope'", Assert.Throws<LoomException>(() => file.GetTensor("nope")).Message);
        Assert.Equal(LoomErrorCode.FileNotFound, Assert.Throws<LoomException>(() => GgufFile.Open(_files.PathFor("absent.gguf"))).Code);
    }

    [Fact]
    public void InvalidUtf8InValuesIsReadLeniently()
    {
        byte[] bytes = new RawGguf(kvs: 1).String("k").U32(8).Bytes([0x61, 0xFF, 0x62], withLength: true).ToArray();
        using var file = GgufFile.Open(_files.WriteBytes("lenient.gguf", bytes));
        Assert.Equal("a\uFFFDb", file.GetString("k"));
    }
}
