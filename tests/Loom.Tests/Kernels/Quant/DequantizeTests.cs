using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public class DequantizeTests
{
    public static readonly TheoryData<GgmlType> Types =
        [GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_1, GgmlType.Q5_0,
         GgmlType.Q5_1, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K];

    /// <summary>Byte offsets of the half-precision scales in each block (random bytes there could be NaN/Inf).</summary>
    private static int[] HalfOffsets(GgmlType type) => type switch
    {
        GgmlType.Q4_0 or GgmlType.Q5_0 or GgmlType.Q8_0 => [0],
        GgmlType.Q4_1 or GgmlType.Q5_1 or GgmlType.Q4_K or GgmlType.Q5_K => [0, 2],
        GgmlType.Q6_K => [208],
        _ => [],
    };

    internal static byte[] RandomRow(GgmlType type, int elements, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[GgmlTypeTraits.RowBytes(type, elements)];
        random.NextBytes(bytes);
        int typeSize = GgmlTypeTraits.TypeSize(type);
        if (type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16)
        {
            var f = new float[elements];
            for (int i = 0; i < f.Length; i++) f[i] = random.NextSingle() * 8 - 4;
            Quantize.Row(type, f, bytes);
        }
        for (int block = 0; block < bytes.Length / typeSize; block++)
            foreach (int offset in HalfOffsets(type))
                MemoryMarshal.Write(bytes.AsSpan(block * typeSize + offset), (Half)(random.NextSingle() * 0.2f - 0.1f));
        return bytes;
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void VectorPathIsBitIdenticalToTheReference(GgmlType type)
    {
        int blockSize = GgmlTypeTraits.BlockSize(type);
        foreach (int blocks in new[] { 0, 1, 2, 7 })
        {
            int n = Math.Max(blocks * blockSize, type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 ? blocks * 37 : 0);
            byte[] row = RandomRow(type, n, 100 * blocks + (int)type);
            var expected = new float[n];
            var actual = new float[n];
            DequantizeReference.Row(type, row, expected);
            Dequantize.Row(type, row, actual);
            Assert.Equal(MemoryMarshal.Cast<float, int>(expected).ToArray(), MemoryMarshal.Cast<float, int>(actual).ToArray());
        }
    }

    private static void AssertBoth(GgmlType type, byte[] block, params (int Index, float Value)[] expected)
    {
        int n = GgmlTypeTraits.BlockSize(type);
        var reference = new float[n];
        var fast = new float[n];
        DequantizeReference.Row(type, block, reference);
        Dequantize.Row(type, block, fast);
        foreach (var (i, v) in expected)
        {
            Assert.Equal(v, reference[i]);
            Assert.Equal(v, fast[i]);
        }
    }

    [Fact]
    public void HandBuiltBlocksDecodeToKnownValues()
    {
        var q4 = new byte[18];
        MemoryMarshal.Write(q4, (Half)0.5f);
        q4[2] = 0x1F; // element 0 = 15, element 16 = 1
        AssertBoth(GgmlType.Q4_0, q4, (0, 3.5f), (16, -3.5f), (1, -4f));

        var q41 = new byte[20];
        MemoryMarshal.Write(q41, (Half)2f);
        MemoryMarshal.Write(q41.AsSpan(2), (Half)(-1f));
        q41[4 + 3] = 0xA5;
        AssertBoth(GgmlType.Q4_1, q41, (3, 9f), (19, 19f), (0, -1f));

        var q5 = new byte[22];
        MemoryMarshal.Write(q5, (Half)1f);
        q5[2] = 0x01; q5[4] = 0x01; // qh bits 0 and 16
        q5[6 + 1] = 0xF3;
        AssertBoth(GgmlType.Q5_0, q5, (0, 0f), (16, 0f), (1, -13f), (17, -1f), (2, -16f));

        var q51 = new byte[24];
        MemoryMarshal.Write(q51, (Half)1f);
        MemoryMarshal.Write(q51.AsSpan(2), (Half)0.5f);
        q51[4 + 3] = 0x80; // qh bit 31: element 31
        q51[8 + 15] = 0x20;
        AssertBoth(GgmlType.Q5_1, q51, (31, 18.5f), (15, 0.5f));

        var q8 = new byte[34];
        MemoryMarshal.Write(q8, (Half)0.25f);
        q8[2 + 5] = unchecked((byte)-128);
        AssertBoth(GgmlType.Q8_0, q8, (5, -32f), (0, 0f));

        var q4k = new byte[144];
        MemoryMarshal.Write(q4k, (Half)1f);
        MemoryMarshal.Write(q4k.AsSpan(2), (Half)0.5f);
        q4k[4 + 0] = 3 | (1 << 6); // sub-block 0 scale 3; its top bits extend sub-block 4's scale
        q4k[4 + 4] = 2;            // sub-block 0 minimum 2
        q4k[4 + 8] = 0x15;         // sub-block 4: scale low bits 5, minimum 1
        q4k[16 + 0] = 0x07;
        q4k[16 + 64] = 0x02;       // group 2, low nibbles = sub-block 4
        AssertBoth(GgmlType.Q4_K, q4k, (0, 20f), (128, 41.5f), (32, 0f));

        var q5k = new byte[176];
        MemoryMarshal.Write(q5k, (Half)1f);
        q5k[4 + 1] = 1;            // sub-block 1 scale 1, minimum 0
        q5k[16 + 2] = 0b10;        // qh[2] bit 1: fifth bit of sub-block 1, element 32 + 2
        q5k[48 + 2] = 0x30;
        AssertBoth(GgmlType.Q5_K, q5k, (34, 19f));

        var q6k = new byte[210];
        MemoryMarshal.Write(q6k.AsSpan(208), (Half)0.25f);
        q6k[192 + 0] = 2;          // scale of elements 0–15
        q6k[192 + 7] = unchecked((byte)-4); // scale of elements 112–127
        q6k[0] = 0x05;
        q6k[128] = 0b10;
        q6k[32 + 31] = 0xF0;       // high nibble of ql[63]: element 96 + 31 = 127
        q6k[128 + 31] = 0b11000000;
        AssertBoth(GgmlType.Q6_K, q6k, (0, 2.5f), (127, -31f), (1, -16f));
    }

    [Fact]
    public void WrongLengthsAndTypesAreRejected()
    {
        var ex = Assert.Throws<LoomException>(() => Dequantize.Row(GgmlType.Q8_0, new byte[34], new float[64]));
        Assert.Contains("64 Q8_0 values take 68 bytes, found 34", ex.Message);
        Assert.Throws<LoomException>(() => DequantizeReference.Row(GgmlType.Q4_0, new byte[18], new float[31]));
        Assert.Equal(LoomErrorCode.NotSupported,
            Assert.Throws<LoomException>(() => Dequantize.Row(GgmlType.Q2_K, new byte[84], new float[256])).Code);
    }
}
