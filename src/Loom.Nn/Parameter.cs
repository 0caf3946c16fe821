using Loom.Tensors;

namespace Loom.Nn;

/// <summary>
/// A trainable tensor owned by a <see cref="Module"/>: a contiguous leaf with <see cref="Tensor.RequiresGrad"/> set,
/// plus the optimizer hint <see cref="NoDecay"/>. It converts implicitly to its <see cref="Value"/>, so ops take it
/// directly (<c>Ops.Linear(x, weight, bias)</c>); the optimizer updates <see cref="Value"/>'s data in place, which
/// keeps every reference to it valid.
/// </summary>
public sealed class Parameter
{
    /// <param name="value">Initial value; copied when it is a view or part of a graph, so the parameter is a leaf.</param>
    /// <param name="noDecay">Exclude from AdamW weight decay; by default true for rank &lt; 2 (biases, norm gains).</param>
    public Parameter(Tensor value, bool? noDecay = null)
    {
        Value = value.IsContiguous ? value.Detach() : value.Clone();
        Value.RequiresGrad = true;
        NoDecay = noDecay ?? value.Rank < 2;
    }

    public Tensor Value { get; }

    /// <summary>True for parameters weight decay must not shrink: biases, norm gains, anything of rank &lt; 2.</summary>
    public bool NoDecay { get; }

    public Tensor? Grad
    {
        get => Value.Grad;
        set => Value.Grad = value;
    }

    public ReadOnlySpan<int> Shape => Value.Shape;

    public int Length => Value.Length;

    /// <summary>The values, writable in place (bypasses autograd: for updates and initialization).</summary>
    public Span<float> Data => Value.DataSpan;

    public static implicit operator Tensor(Parameter p) => p.Value;

    public override string ToString() => $"Parameter{ShapeUtil.Format(Shape)}";
}
