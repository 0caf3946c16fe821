using System.Runtime.CompilerServices;
using Loom.Core;

namespace Loom.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// Reverse-mode differentiation from this tensor. With no argument the tensor must hold one element (a loss);
    /// otherwise <paramref name="gradient"/> is d(something)/d(this). Leaves that require a gradient accumulate into
    /// <see cref="Grad"/>; intermediate gradients are freed as soon as their node has run.
    /// </summary>
    public void Backward(Tensor? gradient = null) => Backward(gradient, leafGradients: null);

    /// <summary>
    /// As <see cref="Backward(Tensor?)"/>, but the leaves' gradients go to <paramref name="leafGradients"/> instead of
    /// their <see cref="Grad"/> when it is given: several threads can then differentiate graphs that share parameters
    /// (data-parallel micro-batches) and add the results in an order of their choosing.
    /// </summary>
    public void Backward(Tensor? gradient, LeafGradients? leafGradients)
    {
        if (!RequiresGrad)
            throw LoomException.Argument($"Backward: {this} does not require a gradient (no input had RequiresGrad set, or it was made under NoGrad)");
        if (gradient is null)
        {
            if (Length != 1) throw LoomException.Shape("Backward", $"an implicit gradient needs a one-element tensor, found {ShapeUtil.Format(_shape)}");
            gradient = Ones(_shape);
        }
        else if (!ShapeUtil.SameShape(gradient.Shape, Shape))
        {
            throw LoomException.Shape("Backward", $"gradient shape {ShapeUtil.Format(gradient.Shape)} does not match tensor shape {ShapeUtil.Format(_shape)}");
        }

        var order = TopologicalOrder(this);
        var pending = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        pending[this] = gradient.Contiguous().Detach();

        using var _ = GradMode.NoGrad();
        // order lists each tensor after everything it depends on; walk it backwards.
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var t = order[i];
            if (!pending.Remove(t, out var g)) continue;
            if (t.Node is null)
            {
                if (leafGradients != null) leafGradients.Accumulate(t, g);
                else t.AccumulateLeafGrad(g);
                continue;
            }
            var inputGrads = t.Node.Backward(g);
            var inputs = t.Node.Inputs;
            if (inputGrads.Length != inputs.Length)
                throw new LoomException(LoomErrorCode.Internal, $"{t.Node.Op}: backward returned {inputGrads.Length} gradients for {inputs.Length} inputs");
            for (int j = 0; j < inputs.Length; j++)
            {
                var input = inputs[j];
                var ig = inputGrads[j];
                if (ig is null || !input.RequiresGrad) continue;
                if (!ShapeUtil.SameShape(ig.Shape, input.Shape))
                    throw new LoomException(LoomErrorCode.Internal,
                        $"{t.Node.Op}: gradient for input {j} has shape {ShapeUtil.Format(ig.Shape)}, expected {ShapeUtil.Format(input.Shape)}");
                pending[input] = pending.TryGetValue(input, out var existing) ? AddGrads(existing, ig) : ig;
            }
        }
    }

    internal void AccumulateLeafGrad(Tensor g)
    {
        if (Grad is null)
        {
            // Own the storage: g may be a view of, or shared with, another tensor's data.
            Grad = new Tensor(g.ToArray(), ShapeArray);
        }
        else
        {
            System.Numerics.Tensors.TensorPrimitives.Add(Grad.DataSpan, g.Contiguous().AsSpan(), Grad.DataSpan);
        }
    }

    private static Tensor AddGrads(Tensor a, Tensor b)
    {
        var result = StorageArena.NewUninitialized(a.Length);
        System.Numerics.Tensors.TensorPrimitives.Add(a.Contiguous().AsSpan(), b.Contiguous().AsSpan(), result);
        return new Tensor(result, a.ShapeArray);
    }

    /// <summary>Zeroes (drops) the accumulated gradient.</summary>
    public void ZeroGrad() => Grad = null;

    /// <summary>Tensors reachable from root through recorded nodes, each after all of its inputs (iterative DFS).</summary>
    private static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int NextInput)>();
        stack.Push((root, 0));
        visited.Add(root);
        while (stack.Count > 0)
        {
            var (t, next) = stack.Pop();
            var inputs = t.Node?.Inputs;
            if (inputs != null && next < inputs.Length)
            {
                stack.Push((t, next + 1));
                var child = inputs[next];
                if (child.RequiresGrad && visited.Add(child)) stack.Push((child, 0));
            }
            else
            {
                order.Add(t);
            }
        }
        return order;
    }
}
