using Loom.Kernels;

namespace Loom.Inference;

/// <summary>
/// RoPE for the positions of one batch, with angles formed as ggml forms them: in float, position × base^(−2/d)
/// raised by repeated multiplication (θᵢ₊₁ = θᵢ·scale), divided by rope_freqs' factor and scaled linearly, then
/// cosf/sinf. Loom's <see cref="RopeTable"/> forms them in double, closer to the exact angle but ~1e-6 rad from
/// llama.cpp, which quantized activations can amplify. Angles are computed per batch into the caller's buffers
/// (a context-long table would cost tens of MB for 128k-token models).
/// </summary>
internal sealed class RopeCache
{
    private readonly int _half, _headDim;
    private readonly float _scale, _linear;
    private readonly float[]? _factors;

    /// <param name="config">Head width, rotated dims, base and linear scale.</param>
    /// <param name="frequencyFactors">Optional divisor per frequency (rope_freqs.weight), [rotated dims / 2].</param>
    public RopeCache(LlmConfig config, float[]? frequencyFactors = null)
    {
        _half = config.RopeDimensionCount / 2;
        _headDim = config.KeyLength;
        _scale = MathF.Pow(config.RopeFreqBase, -2.0f / config.RopeDimensionCount);
        _linear = config.RopeFreqScale;
        _factors = frequencyFactors;
    }

    /// <summary>Values per position in <see cref="Angles"/>' outputs.</summary>
    public int Half => _half;

    /// <summary>cos and sin of every rotated pair at each position, [positions.Length, Half] each.</summary>
    public void Angles(ReadOnlySpan<int> positions, Span<float> cos, Span<float> sin)
    {
        for (int t = 0; t < positions.Length; t++)
        {
            float theta = positions[t];
            for (int i = 0; i < _half; i++)
            {
                float angle = _linear * (_factors is null ? theta : theta / _factors[i]);
                cos[t * _half + i] = MathF.Cos(angle);
                sin[t * _half + i] = MathF.Sin(angle);
                theta *= _scale;
            }
        }
    }

    /// <summary>Rotates x laid out [tokens, heads, headDim] in place with the angles of <see cref="Angles"/>.</summary>
    public void Apply(Span<float> x, int tokens, int heads, RopeStyle style, ReadOnlySpan<float> cosAll, ReadOnlySpan<float> sinAll)
    {
        for (int t = 0; t < tokens; t++)
        {
            ReadOnlySpan<float> cos = cosAll.Slice(t * _half, _half), sin = sinAll.Slice(t * _half, _half);
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
