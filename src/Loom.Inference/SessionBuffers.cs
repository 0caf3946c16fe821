namespace Loom.Inference;

/// <summary>
/// Every activation buffer of the forward pass, for up to <see cref="Rows"/> tokens at a time (E = embedding,
/// F = feed-forward, V = vocabulary, R = Rows). They grow (by doubling, up to the session's batch size) when a
/// longer batch first arrives, so a session that only ever decodes holds one row, and decoding after a prompt
/// allocates nothing. Rows are tokens.
/// </summary>
internal sealed class SessionBuffers(LlmConfig c, int maxRows)
{
    public int Rows { get; private set; }
    public float[] Residual { get; private set; } = [];   // [R, E] the residual stream x
    public float[] Normed { get; private set; } = [];     // [R, E] RMSNorm(x), then the W_o or W_down output added to x
    public float[] Query { get; private set; } = [];      // [R, Hq·Dk]
    public float[] Attention { get; private set; } = [];  // [R, Hq·Dv] attention output before W_o
    public float[] Gate { get; private set; } = [];       // [R, F] then SiLU(gate)·up
    public float[] Up { get; private set; } = [];         // [R, F]
    public float[] Rstd { get; private set; } = [];       // [R·heads] RMSNorm's per-row scale (written, unused)
    public int[] Positions { get; private set; } = [];    // [R]
    public float[] RopeCos { get; private set; } = [];    // [R, rope dims / 2] this batch's RoPE angles
    public float[] RopeSin { get; private set; } = [];    // [R, rope dims / 2]
    public float[] LastNormed { get; } = new float[c.EmbeddingLength]; // [E] final norm of the last token
    public float[] Logits { get; } = new float[c.VocabSize];            // [V]

    /// <summary>Makes room for <paramref name="rows"/> tokens (≤ the batch size).</summary>
    public void EnsureRows(int rows)
    {
        if (rows <= Rows) return;
        int r = Math.Min(maxRows, Math.Max(rows, 2 * Rows));
        int half = c.RopeDimensionCount / 2;
        Residual = new float[r * c.EmbeddingLength];
        Normed = new float[r * c.EmbeddingLength];
        Query = new float[r * c.QueryWidth];
        Attention = new float[r * c.AttentionOutputWidth];
        Gate = new float[r * c.FeedForwardLength];
        Up = new float[r * c.FeedForwardLength];
        Rstd = new float[r * Math.Max(c.HeadCount, c.KvHeadCount)];
        Positions = new int[r];
        RopeCos = new float[r * half];
        RopeSin = new float[r * half];
        Rows = r;
    }

    /// <summary>Bytes the buffers hold now.</summary>
    public long Bytes => 4L * (Residual.Length + Normed.Length + Query.Length + Attention.Length +
        Gate.Length + Up.Length + Rstd.Length + Positions.Length + RopeCos.Length + RopeSin.Length + LastNormed.Length + Logits.Length);
}
