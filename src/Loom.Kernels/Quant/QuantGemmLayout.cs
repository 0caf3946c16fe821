namespace Loom.Kernels.Quant;

/// <summary>
/// The packed operands of <see cref="QuantGemm"/>, per 32-element K block (one Q4_0 / Q8_0 block):
/// <para>An activation strip holds <see cref="Mr"/> rows: each row's 32 int8 quants ([row][32 bytes]: K group g of
/// row r, 4 consecutive K, is the 32-bit word at r·32 + g·4, which one broadcast feeds to every column; a row is
/// written with one store), then the rows' scales d (float, the Half of the Q8_0 block widened) and their integer
/// bias −8·Σq (the −8 of the Q4_0 weights folded into the integer sum once per block, not per weight).</para>
/// <para>A weight sliver holds <see cref="Nr"/> weight rows (output columns): their 4-bit quants widened to unsigned
/// bytes 0..15 as [group][column][4 bytes] (one 64-byte load is 16 columns × 4 K), then the columns' scales.</para>
/// Padding rows and columns are zeros (scale 0), so edge tiles run the same kernel and their extra outputs are dropped.
/// </summary>
internal static class QuantGemmLayout
{
    public const int BlockSize = 32;
    public const int Groups = BlockSize / 4;

    /// <summary>Activation rows per strip (the micro-tile's height).</summary>
    public const int Mr = 4;

    /// <summary>Weight rows per sliver (the micro-tile's width: two 16-lane vectors).</summary>
    public const int Nr = 32;

    public const int AQuantBytes = Mr * BlockSize;
    public const int AScaleOffset = AQuantBytes;
    public const int ABiasOffset = AScaleOffset + Mr * sizeof(float);
    /// <summary>Bytes of one strip's K block.</summary>
    public const int ABlockBytes = ABiasOffset + Mr * sizeof(int);

    public const int BQuantBytes = Groups * Nr * 4;
    public const int BScaleOffset = BQuantBytes;
    /// <summary>Bytes of one sliver's K block.</summary>
    public const int BBlockBytes = BScaleOffset + Nr * sizeof(float);

    /// <summary>K blocks multiplied at a time: a sliver's 16 blocks (18 KB) stay in L1 while the strips stream past.</summary>
    public const int KcBlocks = 16;

    /// <summary>Weight rows per work item: two slivers.</summary>
    public const int ItemColumns = 2 * Nr;
}
