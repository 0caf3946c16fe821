using Loom.Kernels;

namespace Loom.Inference;

/// <summary>
/// Every activation buffer of the forward pass, for up to <see cref="Rows"/> tokens at a time (E = embedding,
/// F = feed-forward, V = vocabulary, R = Rows). They grow (by doubling, up to the session's batch size) when a
/// longer batch first arrives, so a session that only ever decodes holds one row, and decoding after a prompt
/// allocates nothing. Rows are tokens.
/// </summary>
/// <remarks>
/// The row-sized buffers live in one native block, not in managed arrays: a prompt's buffers (~10 MB at 256
/// rows for a 1024-wide model) are needed only while it runs, and <see cref="Release"/> hands them straight back to
/// the OS (a block that large is its own mapping), where a dropped large managed array stays resident until some
/// later full garbage collection.
/// </remarks>
internal sealed unsafe class SessionBuffers(LlmConfig c, int maxRows) : IDisposable
{
    private float* _block;
    private float* _residual, _normed, _query, _attention, _gate, _up, _rstd, _ropeCos, _ropeSin;
    private int* _positions;

    public int Rows { get; private set; }
    public Span<float> Residual => new(_residual, Rows * c.EmbeddingLength);          // [R, E] the residual stream x
    public Span<float> Normed => new(_normed, Rows * c.EmbeddingLength);              // [R, E] RMSNorm(x), then the W_o or W_down output added to x
    public Span<float> Query => new(_query, Rows * c.QueryWidth);                     // [R, Hq·Dk]
    public Span<float> Attention => new(_attention, Rows * c.AttentionOutputWidth);   // [R, Hq·Dv] attention output before W_o
    public Span<float> Gate => new(_gate, Rows * c.FeedForwardLength);                // [R, F] then SiLU(gate)·up
    public Span<float> Up => new(_up, Rows * c.FeedForwardLength);                    // [R, F]
    public float* QueryData => _query;
    public float* AttentionData => _attention;
    public Span<float> Rstd => new(_rstd, Rows * StatHeads);                           // [R·heads] RMSNorm's per-row scale (written, unused)
    public Span<int> Positions => new(_positions, Rows);                              // [R]
    public Span<float> RopeCos => new(_ropeCos, Rows * (c.RopeDimensionCount / 2));   // [R, rope dims / 2] this batch's RoPE angles
    public Span<float> RopeSin => new(_ropeSin, Rows * (c.RopeDimensionCount / 2));   // [R, rope dims / 2]
    public float[] LastNormed { get; } = new float[c.EmbeddingLength]; // [E] final norm of the last token
    public float[] Logits { get; } = new float[c.VocabSize];            // [V]

    /// <summary>Makes room for <paramref name="rows"/> tokens (≤ the batch size).</summary>
    public void EnsureRows(int rows)
    {
        if (rows <= Rows) return;
        int r = Math.Min(maxRows, Math.Max(rows, 2 * Rows));
        int half = c.RopeDimensionCount / 2;
        FreeBlock();
        long e = c.EmbeddingLength, f = c.FeedForwardLength;
        _block = (float*)ReturnableMemory.Allocate(r * FloatsPerRow * sizeof(float));
        _residual = _block;
        _normed = _residual + r * e;
        _query = _normed + r * e;
        _attention = _query + (long)r * c.QueryWidth;
        _gate = _attention + (long)r * c.AttentionOutputWidth;
        _up = _gate + r * f;
        _rstd = _up + r * f;
        _ropeCos = _rstd + (long)r * StatHeads;
        _ropeSin = _ropeCos + (long)r * half;
        _positions = (int*)(_ropeSin + (long)r * half);
        Rows = r;
    }

    /// <summary>Gives the row buffers back (to the OS, for a block this large): after a prompt, before decoding,
    /// which then takes one row again.</summary>
    public void Release()
    {
        FreeBlock();
        Rows = 0;
    }

    /// <summary>Bytes the buffers hold now.</summary>
    public long Bytes => 4L * Rows * FloatsPerRow + 4L * (LastNormed.Length + Logits.Length);

    private int StatHeads => Math.Max(c.HeadCount, c.KvHeadCount);

    // Values per row over every buffer of the block (a position is an int, as wide as a float).
    private long FloatsPerRow => 2L * c.EmbeddingLength + c.QueryWidth + c.AttentionOutputWidth + 2L * c.FeedForwardLength +
        StatHeads + 2 * (c.RopeDimensionCount / 2) + 1;

    public void Dispose()
    {
        FreeBlock();
        GC.SuppressFinalize(this);
    }

    ~SessionBuffers() => FreeBlock();

    private void FreeBlock()
    {
        ReturnableMemory.Free(_block);
        _block = _residual = _normed = _query = _attention = _gate = _up = _rstd = _ropeCos = _ropeSin = null;
        _positions = null;
    }
}
