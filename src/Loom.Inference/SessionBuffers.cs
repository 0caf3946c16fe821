namespace Loom.Inference;

/// <summary>
/// Every activation buffer of the forward pass, allocated once per session for up to <see cref="BatchSize"/>
/// tokens at a time (E = embedding, F = feed-forward, V = vocabulary, B = BatchSize). Rows are tokens.
/// </summary>
internal sealed class SessionBuffers
{
    public SessionBuffers(LlmConfig c, int batchSize)
    {
        BatchSize = batchSize;
        Residual = new float[batchSize * c.EmbeddingLength];
        Normed = new float[batchSize * c.EmbeddingLength];
        Query = new float[batchSize * c.QueryWidth];
        Attention = new float[batchSize * c.AttentionOutputWidth];
        Projected = new float[batchSize * c.EmbeddingLength];
        Gate = new float[batchSize * c.FeedForwardLength];
        Up = new float[batchSize * c.FeedForwardLength];
        Rstd = new float[batchSize * Math.Max(c.HeadCount, c.KvHeadCount)];
        Positions = new int[batchSize];
        RopeCos = new float[batchSize * (c.RopeDimensionCount / 2)];
        RopeSin = new float[batchSize * (c.RopeDimensionCount / 2)];
        LastNormed = new float[c.EmbeddingLength];
        Logits = new float[c.VocabSize];
    }

    public int BatchSize { get; }
    public float[] Residual { get; }   // [B, E] the residual stream x
    public float[] Normed { get; }     // [B, E] RMSNorm(x)
    public float[] Query { get; }      // [B, Hq·Dk]
    public float[] Attention { get; }  // [B, Hq·Dv] attention output before W_o
    public float[] Projected { get; }  // [B, E] W_o or W_down output, added to x
    public float[] Gate { get; }       // [B, F] then SiLU(gate)·up
    public float[] Up { get; }         // [B, F]
    public float[] Rstd { get; }       // [B·heads] RMSNorm's per-row scale (unused, but the kernel writes it)
    public int[] Positions { get; }    // [B]
    public float[] RopeCos { get; }    // [B, rope dims / 2] this batch's RoPE angles
    public float[] RopeSin { get; }    // [B, rope dims / 2]
    public float[] LastNormed { get; } // [E] final norm of the last token
    public float[] Logits { get; }     // [V]
}
