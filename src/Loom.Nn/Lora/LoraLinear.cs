using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Loom.Core;
using Loom.Tensors;

namespace Loom.Nn.Lora;

/// <summary>
/// A low-rank adapter around a frozen <see cref="Linear"/> (Hu et al., LoRA): y = base(x) + (alpha/r)·B·A·dropout(x)
/// with A [r, in] drawn like a Linear weight (Kaiming-uniform, as PEFT) and B [out, r] zeros, so the adapted layer
/// starts out exactly equal to the base. Children are named as in PEFT: "base_layer", "lora_A", "lora_B", so the
/// adapter's weights are "….q_proj.lora_A.weight" and "….q_proj.lora_B.weight".
/// </summary>
public sealed class LoraLinear : Module
{
    private readonly LoomRandom? _dropoutRng;

    public LoraLinear(Linear baseLayer, int rank, float alpha, LoomRandom rng, float dropout = 0f)
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        if (rank < 1) throw LoomException.Argument($"lora: rank must be positive, found {rank}");
        if (!(alpha > 0) || float.IsInfinity(alpha)) throw LoomException.Argument($"lora: alpha must be positive and finite, found {alpha}");
        if (!(dropout >= 0 && dropout < 1)) throw LoomException.Argument($"lora: dropout must be in [0, 1), found {dropout}");
        Rank = rank;
        Alpha = alpha;
        Dropout = dropout;
        Base = AddModule("base_layer", baseLayer);
        A = AddModule("lora_A", new Linear(baseLayer.InFeatures, rank, rng, bias: false));
        B = AddModule("lora_B", new Linear(rank, baseLayer.OutFeatures, rng, bias: false));
        Init.Zeros(B.Weight.Value);
        if (dropout > 0) _dropoutRng = rng.Fork();
    }

    /// <summary>The wrapped layer; its parameters are frozen by <see cref="Lora.Apply"/>.</summary>
    public Linear Base { get; }

    /// <summary>Down-projection [r, in].</summary>
    public Linear A { get; }

    /// <summary>Up-projection [out, r], zero at the start.</summary>
    public Linear B { get; }

    public int Rank { get; }
    public float Alpha { get; }
    public float Dropout { get; }

    /// <summary>alpha / r: keeps the update's size independent of the rank.</summary>
    public float Scale => Alpha / Rank;

    public override Tensor Forward(Tensor input)
    {
        var x = _dropoutRng != null && Training ? Ops.Dropout(input, Dropout, training: true, _dropoutRng) : input;
        return Base.Forward(input) + B.Forward(A.Forward(x)) * Scale;
    }

    /// <summary>W += scale·B·A, in place on the base layer, which is returned (the adapter's update is now part of it).</summary>
    public Linear MergeIntoBase()
    {
        using (GradMode.NoGrad())
        {
            var delta = Ops.MatMul(B.Weight.Value, A.Weight.Value); // [out, in]
            Span<float> w = Base.Weight.Data;
            TensorPrimitives.MultiplyAdd(delta.AsSpan(), Scale, w, w);
        }
        return Base;
    }
}
