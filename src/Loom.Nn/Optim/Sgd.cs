using System.Numerics.Tensors;
using Loom.Core;

namespace Loom.Nn.Optim;

/// <summary>
/// Stochastic gradient descent with optional momentum (PyTorch's formula: the first step seeds the buffer with the
/// gradient, later steps b = μ·b + (1 − dampening)·g), Nesterov momentum and L2 weight decay (g += λ·w, skipped for
/// parameters flagged <see cref="Parameter.NoDecay"/>).
/// </summary>
public sealed class Sgd : Optimizer
{
    public Sgd(IEnumerable<(string Name, Parameter Parameter)> parameters, float learningRate, float momentum = 0f,
        float dampening = 0f, bool nesterov = false, float weightDecay = 0f) : base(parameters, learningRate)
    {
        if (momentum < 0) throw LoomException.Argument($"Sgd: momentum must be non-negative, found {momentum}");
        if (weightDecay < 0) throw LoomException.Argument($"Sgd: weight decay must be non-negative, found {weightDecay}");
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw LoomException.Argument("Sgd: Nesterov momentum needs momentum > 0 and zero dampening");
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
        WeightDecay = weightDecay;
    }

    public float Momentum { get; }
    public float Dampening { get; }
    public bool Nesterov { get; }
    public float WeightDecay { get; }

    protected override void Update(ParameterState state, Parameter parameter, Span<float> weights, ReadOnlySpan<float> grad)
    {
        var scratch = state.Scratch;
        ReadOnlySpan<float> d = grad;
        if (WeightDecay != 0 && !parameter.NoDecay)
        {
            TensorPrimitives.MultiplyAdd(weights, WeightDecay, grad, scratch);
            d = scratch;
        }
        if (Momentum != 0)
        {
            var buffer = state.Buffer("momentum_buffer");
            if (state.Step == 1)
            {
                d.CopyTo(buffer);
            }
            else
            {
                TensorPrimitives.Multiply(buffer, Momentum, buffer);
                TensorPrimitives.MultiplyAdd(d, 1 - Dampening, buffer, buffer);
            }
            if (Nesterov)
            {
                TensorPrimitives.MultiplyAdd(buffer, Momentum, d, scratch);
                d = scratch;
            }
            else
            {
                d = buffer;
            }
        }
        TensorPrimitives.MultiplyAdd(d, -LearningRate, weights, weights);
    }
}
