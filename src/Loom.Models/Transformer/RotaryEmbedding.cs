using Loom.Kernels;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// Rotary positions for x [B, T, H, D] starting at a position, with the NeoX pairing (element i turns with element
/// i + D/2), which is what Hugging Face Llama checkpoints use. (llama.cpp's LLAMA rope pairs adjacent elements; the
/// GGUF exporter permutes the q/k projection rows to match, as convert_hf_to_gguf does.)
/// </summary>
internal sealed class RotaryEmbedding
{
    private readonly RopeTable _table;
    private readonly Tensor _cos; // [ContextLength, 1, D/2]: cos(p·θ_i), broadcast over batch and heads
    private readonly Tensor _sin; // [ContextLength, 1, D/2]

    public RotaryEmbedding(int contextLength, int headDim, float theta)
    {
        _table = new RopeTable(contextLength, headDim, theta);
        int half = headDim / 2;
        // Rotating the vector (1…1, 0…0) by each position's angles yields (cos…, sin…): the kernel's own table, read back.
        var unit = new float[contextLength * headDim];
        for (int p = 0; p < contextLength; p++) unit.AsSpan(p * headDim, half).Fill(1f);
        Rope.Apply(unit, Positions(0, contextLength), 1, _table, RopeStyle.NeoX);
        var cos = new float[contextLength * half];
        var sin = new float[contextLength * half];
        for (int p = 0; p < contextLength; p++)
        {
            unit.AsSpan(p * headDim, half).CopyTo(cos.AsSpan(p * half));
            unit.AsSpan(p * headDim + half, half).CopyTo(sin.AsSpan(p * half));
        }
        _cos = new Tensor(cos, contextLength, 1, half);
        _sin = new Tensor(sin, contextLength, 1, half);
    }

    /// <summary>x [B, T, H, D] rotated for positions startPos … startPos + T − 1.</summary>
    public Tensor Apply(Tensor x, int startPos)
    {
        int batch = x.Size(0), time = x.Size(1), heads = x.Size(2), dim = x.Size(3);
        if (!(GradMode.IsEnabled && x.RequiresGrad))
        {
            // Inference: rotate a copy in place with the kernel, one pass, no graph.
            var data = x.ToArray();
            var positions = Positions(startPos, time);
            for (int b = 0; b < batch; b++)
                Rope.Apply(data.AsSpan(b * time * heads * dim, time * heads * dim), positions, heads, _table, RopeStyle.NeoX);
            return new Tensor(data, batch, time, heads, dim);
        }
        // Training: the same rotation from differentiable ops, (a, b) → (a·cos − b·sin, a·sin + b·cos).
        int half = dim / 2;
        var cos = _cos.Slice(0, startPos, time);
        var sin = _sin.Slice(0, startPos, time);
        var a = x.Slice(3, 0, half);
        var bHalf = x.Slice(3, half, half);
        return Ops.Concat([a * cos - bHalf * sin, a * sin + bHalf * cos], 3);
    }

    private static int[] Positions(int start, int count)
    {
        var positions = new int[count];
        for (int i = 0; i < count; i++) positions[i] = start + i;
        return positions;
    }
}
