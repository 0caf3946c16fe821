using System.Runtime.InteropServices;

namespace Loom.Kernels.Quant;

// ggml's 32-element quant blocks, byte for byte as they lie in a GGUF file. d is the scale, m the minimum
// (offset), qs the packed quants; the Q5 types keep the fifth bit of each quant in qh.

/// <summary>32 × 4-bit quants, value = (q − 8)·d. Low nibbles hold elements 0–15, high nibbles 16–31.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_0
{
    public Half D;
    public fixed byte Qs[16];
}

/// <summary>32 × 4-bit quants, value = q·d + m.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ4_1
{
    public Half D;
    public Half M;
    public fixed byte Qs[16];
}

/// <summary>32 × 5-bit quants, value = (q − 16)·d; bit j of the little-endian qh is the fifth bit of element j.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_0
{
    public Half D;
    public fixed byte Qh[4];
    public fixed byte Qs[16];
}

/// <summary>32 × 5-bit quants, value = q·d + m.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ5_1
{
    public Half D;
    public Half M;
    public fixed byte Qh[4];
    public fixed byte Qs[16];
}

/// <summary>32 × int8 quants, value = q·d.</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_0
{
    public Half D;
    public fixed sbyte Qs[32];
}

/// <summary>32 × int8 quants with s = d·Σq precomputed (the activation side of Q4_1/Q5_1 dot products).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
public unsafe struct BlockQ8_1
{
    public Half D;
    public Half S;
    public fixed sbyte Qs[32];
}
