using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public class QuantBlockTests
{
    [Fact]
    public void PackedBlocksHaveGgmlByteSizes()
    {
        Assert.Equal(18, Unsafe.SizeOf<BlockQ4_0>());
        Assert.Equal(20, Unsafe.SizeOf<BlockQ4_1>());
        Assert.Equal(22, Unsafe.SizeOf<BlockQ5_0>());
        Assert.Equal(24, Unsafe.SizeOf<BlockQ5_1>());
        Assert.Equal(34, Unsafe.SizeOf<BlockQ8_0>());
        Assert.Equal(36, Unsafe.SizeOf<BlockQ8_1>());
        Assert.Equal(144, Unsafe.SizeOf<BlockQ4_K>());
        Assert.Equal(176, Unsafe.SizeOf<BlockQ5_K>());
        Assert.Equal(210, Unsafe.SizeOf<BlockQ6_K>());
        Assert.Equal(292, Unsafe.SizeOf<BlockQ8_K>());
        Assert.Equal(208, (int)Marshal.OffsetOf<BlockQ6_K>(nameof(BlockQ6_K.D)));
        Assert.Equal(48, (int)Marshal.OffsetOf<BlockQ5_K>(nameof(BlockQ5_K.Qs)));
    }

    [Fact]
    public void TraitsAgreeWithTheStructs()
    {
        Assert.Equal(Unsafe.SizeOf<BlockQ4_0>(), GgmlTypeTraits.TypeSize(GgmlType.Q4_0));
        Assert.Equal(Unsafe.SizeOf<BlockQ4_1>(), GgmlTypeTraits.TypeSize(GgmlType.Q4_1));
        Assert.Equal(Unsafe.SizeOf<BlockQ5_0>(), GgmlTypeTraits.TypeSize(GgmlType.Q5_0));
        Assert.Equal(Unsafe.SizeOf<BlockQ5_1>(), GgmlTypeTraits.TypeSize(GgmlType.Q5_1));
        Assert.Equal(Unsafe.SizeOf<BlockQ8_0>(), GgmlTypeTraits.TypeSize(GgmlType.Q8_0));
        Assert.Equal(Unsafe.SizeOf<BlockQ8_1>(), GgmlTypeTraits.TypeSize(GgmlType.Q8_1));
        Assert.Equal(Unsafe.SizeOf<BlockQ4_K>(), GgmlTypeTraits.TypeSize(GgmlType.Q4_K));
        Assert.Equal(Unsafe.SizeOf<BlockQ5_K>(), GgmlTypeTraits.TypeSize(GgmlType.Q5_K));
        Assert.Equal(Unsafe.SizeOf<BlockQ6_K>(), GgmlTypeTraits.TypeSize(GgmlType.Q6_K));
        Assert.Equal(Unsafe.SizeOf<BlockQ8_K>(), GgmlTypeTraits.TypeSize(GgmlType.Q8_K));
        Assert.Equal(256, GgmlTypeTraits.BlockSize(GgmlType.Q6_K));
        Assert.Equal(1, GgmlTypeTraits.BlockSize(GgmlType.BF16));
        Assert.Equal(30u, (uint)GgmlType.BF16);
        Assert.Equal(15u, (uint)GgmlType.Q8_K);
        Assert.Equal(210 * 3, GgmlTypeTraits.RowBytes(GgmlType.Q6_K, 768));
        Assert.Throws<LoomException>(() => GgmlTypeTraits.RowBytes(GgmlType.Q4_K, 100));
        Assert.False(GgmlTypeTraits.IsKnown(4));
        Assert.Equal(LoomErrorCode.NotSupported, Assert.Throws<LoomException>(() => GgmlTypeTraits.BlockSize((GgmlType)5)).Code);
    }
}
