using System.Buffers.Binary;
using Loom.Core;
using Loom.Formats;

namespace Loom.Tests.Formats;

public class SafetensorsCorruptionTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsCorruptionTests(SafetensorsTestFiles files) => _files = files;

    private static readonly byte[] EightBytes = new byte[8];

    private void AssertRejected(string headerJson, byte[] data, string expectedInMessage, ulong? lengthOverride = null)
    {
        string name = $"bad-{Guid.NewGuid():N}.safetensors";
        string path = _files.WriteRaw(name, headerJson, data, lengthOverride);
        var ex = Assert.Throws<LoomException>(() => Safetensors.Load(path));
        Assert.Equal(LoomErrorCode.InvalidFormat, ex.Code);
        Assert.Contains(name, ex.Message);
        Assert.Contains(expectedInMessage, ex.Message);
        Assert.Contains(expectedInMessage, Assert.Throws<LoomException>(() => Safetensors.ReadHeader(path)).Message);
    }

    [Fact]
    public void FileShorterThanTheLengthPrefix()
    {
        string path = _files.PathFor("tiny.safetensors");
        File.WriteAllBytes(path, [1, 0, 0]);
        var ex = Assert.Throws<LoomException>(() => Safetensors.Load(path));
        Assert.Equal(LoomErrorCode.InvalidFormat, ex.Code);
        Assert.Contains("tiny.safetensors", ex.Message);
        Assert.Contains("3 bytes", ex.Message);
    }

    [Fact]
    public void HeaderLengthPastTheFileOrAbsurd()
    {
        AssertRejected("{}", [], "runs past the end of the file", lengthOverride: 1000);
        AssertRejected("{}", [], "exceeds the 100 MB limit", lengthOverride: ulong.MaxValue);
        AssertRejected("{}", [], "exceeds the 100 MB limit", lengthOverride: 100_000_001);
    }

    [Theory]
    [InlineData("{\"a\": ", "not valid JSON")]
    [InlineData("nonsense", "not valid JSON")]
    [InlineData("[1, 2]", "must be a JSON object, found Array")]
    [InlineData("{\"\\udc00\":{}}", "cannot be decoded")]
    [InlineData("\"text\"", "must be a JSON object, found String")]
    public void HeaderThatIsNotAJsonObject(string json, string expected) => AssertRejected(json, [], expected);

    [Fact]
    public void HeaderThatIsNotUtf8()
    {
        string path = _files.WriteRaw("latin1.safetensors", "{\"caf\u00e9\":{}}", []);
        byte[] bytes = File.ReadAllBytes(path);
        int e = Array.IndexOf(bytes, (byte)0xC3);
        bytes[e] = 0xE9; // a lone Latin-1 é where UTF-8 wants two bytes
        File.WriteAllBytes(path, bytes);
        Assert.Contains("not valid UTF-8", Assert.Throws<LoomException>(() => Safetensors.Load(path)).Message);
    }

    [Theory]
    [InlineData("""{"w":{"shape":[2],"data_offsets":[0,8]}}""", "tensor 'w': missing 'dtype'")]
    [InlineData("""{"w":{"dtype":"F32","data_offsets":[0,8]}}""", "tensor 'w': missing 'shape'")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2]}}""", "tensor 'w': missing 'data_offsets'")]
    [InlineData("""{"w":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}""", "'dtype' must be a string, found Number")]
    [InlineData("""{"w":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", "'shape' must be an array, found String")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":{"begin":0}}}""", "'data_offsets' must be an array, found Object")]
    [InlineData("""{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "shape: entry 0 must be an integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}""", "shape: entry 0 must be an integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}}""", "data_offsets: entry 1 must be an integer")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "must be [begin, end], found 1 numbers")]
    [InlineData("""{"w":[1,2]}""", "tensor 'w': expected an object")]
    [InlineData("""{"__metadata__":{"k":1},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "value 'k' must be a string, found Number")]
    [InlineData("""{"__metadata__":"x","w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "must be an object of strings")]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "names 'w' twice")]
    public void MissingOrWrongTypedFields(string json, string expected) => AssertRejected(json, EightBytes, expected);

    [Fact]
    public void UnsupportedDTypeIsNamedWithTheSupportedOnes()
    {
        AssertRejected("""{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", EightBytes, "dtype 'I64'");
        AssertRejected("""{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", EightBytes, "supported: F32, F16, BF16");
        AssertRejected("""{"w":{"dtype":"f32","shape":[2],"data_offsets":[0,8]}}""", EightBytes, "dtype 'f32'"); // case matters
    }

    [Theory]
    [InlineData("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", "end 0 is before begin 8")]
    [InlineData("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", "run past the data buffer (8 bytes)")]
    [InlineData("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "needs 12 bytes, but data_offsets [0, 8] hold 8")]
    [InlineData("""{"w":{"dtype":"BF16","shape":[2],"data_offsets":[0,8]}}""", "needs 4 bytes")]
    [InlineData("""{"w":{"dtype":"F32","shape":[65536,65536,65536,65536,65536],"data_offsets":[0,8]}}""", "more than 2^63")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "overlaps tensor 'a'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "leaving a gap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "4 trailing bytes")]
    public void OffsetsThatDoNotFitTheData(string json, string expected) => AssertRejected(json, EightBytes, expected);

    [Fact]
    public void TruncatedFilesOnlyEverThrowLoomException()
    {
        string path = _files.PathFor("whole.safetensors");
        Safetensors.Save(path, [new NamedTensor("a", [3, 5], new float[15]), new NamedTensor("b", [7], new float[7])],
            SafetensorsDType.BF16, new Dictionary<string, string> { ["k"] = "v" });
        byte[] whole = File.ReadAllBytes(path);
        string cutPath = _files.PathFor("cut.safetensors");
        for (int cut = 0; cut < whole.Length; cut++)
        {
            File.WriteAllBytes(cutPath, whole[..cut]);
            var ex = Assert.Throws<LoomException>(() => Safetensors.Load(cutPath));
            Assert.Equal(LoomErrorCode.InvalidFormat, ex.Code);
        }
    }

    [Fact]
    public void RandomByteDamageNeverCrashesWithAnythingElse()
    {
        string path = _files.PathFor("fuzz-source.safetensors");
        Safetensors.Save(path, [new NamedTensor("alpha", [2, 3], [1, 2, 3, 4, 5, 6]), new NamedTensor("beta", [4], [7, 8, 9, 10])],
            SafetensorsDType.F16);
        byte[] whole = File.ReadAllBytes(path);
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(whole);
        var rng = new LoomRandom(61);
        string damaged = _files.PathFor("fuzz.safetensors");
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] copy = (byte[])whole.Clone();
            for (int flips = 1 + rng.NextInt(3); flips > 0; flips--)
                copy[rng.NextInt(headerEnd)] = (byte)rng.NextInt(256); // the header is where parsing can go wrong
            File.WriteAllBytes(damaged, copy);
            try
            {
                var loaded = Safetensors.Load(damaged);
                Assert.All(loaded.Tensors, t => Assert.Equal(t.Shape.Aggregate(1, (a, b) => a * b), t.Data.Length));
            }
            catch (LoomException)
            {
                // The expected outcome for most damage.
            }
        }
    }
}
