using Loom.Kernels;

namespace Loom.Inference;

/// <summary>
/// RoPE cos/sin for every position of the context, with angles formed as ggml forms them: in float, position ×
/// base^(−2/d) raised by repeated multiplication (θᵢ₊₁ = θᵢ·scale), then cosf/sinf. Loom's <see cref="RopeTable"/>
/// forms them in double, which is closer to the exact angle but differs from llama.cpp by ~1e-6 rad; quantized
/// activations amplify such differences, so the engine matches ggml instead.
/// </summary>
internal sealed class RopeCache
{
    private readonly float[] _cos; // [positions, dims/2]
    private readonly float[] _sin;
    private readonly int _half, _headDim;

    /// <param name="config">Positions (context length), head width, rotated dims, base and linear scale.</param>
    /// <param name="frequencyFactors">Optional divisor per frequency (rope_freqs.weight), [rotated dims / 2].</param>
    public RopeCache(LlmConfig config, float[]? frequencyFactors = null)
    {
        _half = config.RopeDimensionCount / 2;
        _headDim = config.KeyLength;
        int positions = config.ContextLength;
        _cos = new float[(long)positions * _half];
        _sin = new float[(long)positions * _half];
        float scale = MathF.Pow(config.RopeFreqBase, -2.0f / config.RopeDimensionCount);
        for (int p = 0; p < positions; p++)
        {
            float theta = p;
            for (int i = 0; i < _half; i++)
            {
                float angle = config.RopeFreqScale * (frequencyFactors is null ? theta : theta / frequencyFactors[i]);
                _cos[p * _half + i] = MathF.Cos(angle);
                _sin[p * _half + i] = MathF.Sin(angle);
                theta *= scale;
            }
        }
    }

    /// <summary>Rotates x laid out [positions.Length, heads, headDim] in place.</summary>
    public void Apply(Span<float> x, ReadOnlySpan<int> positions, int heads, RopeStyle style)
    {
        for (int t = 0; t < positions.Length; t++)
        {
            ReadOnlySpan<float> cos = _cos.AsSpan(positions[t] * _half, _half), sin = _sin.AsSpan(positions[t] * _half, _half);
            for (int h = 0; h < heads; h++)
            {
                Span<float> head = x.Slice((t * heads + h) * _headDim, _headDim);
                if (style == RopeStyle.NeoX)
                {
                    for (int i = 0; i < _half; i++)
                    {
                        float a = head[i], b = head[i + _half];
                        head[i] = a * cos[i] - b * sin[i];
                        head[i + _half] = a * sin[i] + b * cos[i];
                    }
                }
                else
                {
                    for (int i = 0; i < _half; i++)
                    {
                        float a = head[2 * i], b = head[2 * i + 1];
                        head[2 * i] = a * cos[i] - b * sin[i];
                        head[2 * i + 1] = a * sin[i] + b * cos[i];
                    }
                }
            }
        }
    }
}
