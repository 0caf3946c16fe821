using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Nn.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba) in PyTorch's form: m = β₁m + (1−β₁)g, v = β₂v + (1−β₂)g²,
/// w −= (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε). Weight decay here is L2 (added to the gradient) and skips
/// parameters flagged <see cref="Parameter.NoDecay"/>; <see cref="AdamW"/> decouples it instead.
/// </summary>
public class Adam : Optimizer
{
    public Adam(IEnumerable<(string Name, Parameter Parameter)> parameters, float learningRate = 1e-3f,
        float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f, float weightDecay = 0f)
        : this(parameters, learningRate, beta1, beta2, eps, weightDecay, decoupled: false)
    {
    }

    private protected Adam(IEnumerable<(string Name, Parameter Parameter)> parameters, float learningRate,
        float beta1, float beta2, float eps, float weightDecay, bool decoupled) : base(parameters, learningRate)
    {
        string kind = GetType().Name;
        if (!(beta1 >= 0 && beta1 < 1)) throw LoomException.Argument($"{kind}: beta1 must be in [0, 1), found {beta1}");
        if (!(beta2 >= 0 && beta2 < 1)) throw LoomException.Argument($"{kind}: beta2 must be in [0, 1), found {beta2}");
        if (!(eps >= 0)) throw LoomException.Argument($"{kind}: eps must be non-negative, found {eps}");
        if (!(weightDecay >= 0)) throw LoomException.Argument($"{kind}: weight decay must be non-negative, found {weightDecay}");
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        Decoupled = decoupled;
    }

    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }
    public float WeightDecay { get; }

    /// <summary>True for AdamW: decay shrinks the weights directly (w *= 1 − lr·λ) instead of entering the moments.</summary>
    public bool Decoupled { get; }

    protected override void Update(ParameterState state, Parameter parameter, Span<float> weights, ReadOnlySpan<float> grad)
    {
        var scratch = state.Scratch;
        ReadOnlySpan<float> d = grad;
        if (WeightDecay != 0 && !parameter.NoDecay)
        {
            if (Decoupled)
            {
                TensorPrimitives.Multiply(weights, 1 - LearningRate * WeightDecay, weights);
            }
            else
            {
                TensorPrimitives.MultiplyAdd(weights, WeightDecay, grad, scratch);
                d = scratch;
            }
        }

        var m = state.Buffer("exp_avg");
        var v = state.Buffer("exp_avg_sq");
        TensorPrimitives.Multiply(m, Beta1, m);
        TensorPrimitives.MultiplyAdd(d, 1 - Beta1, m, m);
        TensorPrimitives.Multiply(d, d, scratch); // d may alias scratch: elementwise, so in place is fine
        TensorPrimitives.Multiply(v, Beta2, v);
        TensorPrimitives.MultiplyAdd(scratch, 1 - Beta2, v, v);

        double biasCorrection1 = 1 - Math.Pow(Beta1, state.Step);
        double biasCorrection2 = 1 - Math.Pow(Beta2, state.Step);
        float stepSize = (float)(LearningRate / biasCorrection1);
        float correction2Sqrt = (float)Math.Sqrt(biasCorrection2);

        // scratch = m / (√v / √bc2 + ε); w −= stepSize · scratch
        TensorPrimitives.Sqrt(v, scratch);
        TensorPrimitives.Divide(scratch, correction2Sqrt, scratch);
        TensorPrimitives.Add(scratch, Eps, scratch);
        TensorPrimitives.Divide(m, scratch, scratch);
        TensorPrimitives.MultiplyAdd(scratch, -stepSize, weights, weights);
    }
}
