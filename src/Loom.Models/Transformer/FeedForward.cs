using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// The position-wise MLP. Llama: down_proj(silu(gate_proj(x)) · up_proj(x)) (SwiGLU); GPT-2: down_proj(gelu(up_proj(x))).
/// Children are looked up by name so LoRA can swap them.
/// </summary>
public sealed class FeedForward : Module
{
    private readonly bool _gated;

    internal FeedForward(TransformerConfig config, LoomRandom rng)
    {
        _gated = config.Style == TransformerStyle.Llama;
        int d = config.ModelDim, hidden = config.ResolvedFfnHiddenDim;
        if (_gated) AddModule("gate_proj", new Linear(d, hidden, rng, config.Bias));
        AddModule("up_proj", new Linear(d, hidden, rng, config.Bias));
        AddModule("down_proj", new Linear(hidden, d, rng, config.Bias));
    }

    public override Tensor Forward(Tensor input)
    {
        var up = Child("up_proj").Forward(input);
        var hidden = _gated ? Ops.Silu(Child("gate_proj").Forward(input)) * up : Ops.Gelu(up);
        return Child("down_proj").Forward(hidden);
    }
}
