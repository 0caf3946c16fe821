using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

// ggml's 256-element "K-quant" super-blocks: 8 (or 16) sub-blocks, each with its own small scale (and minimum)
// quantized against the super-block's half-precision d (and dmin).

/// <summary>8 sub-blocks of 32 × 4 bits; 6-bit scales and minimums packed in 12 bytes. value = d·sc·q − dmin·m.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_K
{
    public Half D;
    public Half DMin;
    public fixed byte Scales[12];
    public fixed byte Qs[128];
}

/// <summary>As <see cref="BlockQ4_K"/> with a fifth bit per quant in qh. value = d·sc·q − dmin·m, q in 0..31.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_K
{
    public Half D;
    public Half DMin;
    public fixed byte Scales[12];
    public fixed byte Qh[32];
    public fixed byte Qs[128];
}

/// <summary>16 sub-blocks of 16 × 6 bits (low 4 in ql, high 2 in qh), int8 scales. value = d·sc·(q − 32).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ6_K
{
    public fixed byte Ql[128];
    public fixed byte Qh[64];
    public fixed sbyte Scales[16];
    public Half D;
}

/// <summary>256 × int8 with a float32 d and the sums of each 16 quants (the activation side of K-quant dots).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_K
{
    public float D;
    public fixed sbyte Qs[256];
    public fixed short BSums[16];
}
