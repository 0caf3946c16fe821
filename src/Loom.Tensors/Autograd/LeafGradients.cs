namespace Loom.Tensors;

/// <summary>
/// Gradients of leaf tensors collected by <see cref="Tensor.Backward(Tensor?, LeafGradients?)"/> instead of being
/// added to the leaves' <see cref="Tensor.Grad"/>. One collector per thread lets micro-batches that share parameters
/// run backward at the same time; <see cref="AddToLeaves"/> then adds each collector's gradients on one thread, in a
/// fixed order, so the sum is the same however the threads were scheduled.
/// </summary>
public sealed class LeafGradients
{
    // Insertion order is the backward walk's order, which is deterministic for a given graph.
    private readonly Dictionary<Tensor, Tensor> _gradients = new(ReferenceEqualityComparer.Instance);
    private readonly List<Tensor> _order = [];

    /// <summary>Leaves that received a gradient.</summary>
    public int Count => _order.Count;

    /// <summary>The gradient collected for <paramref name="leaf"/>, or null when it received none.</summary>
    public Tensor? this[Tensor leaf] => _gradients.GetValueOrDefault(leaf);

    internal void Accumulate(Tensor leaf, Tensor gradient)
    {
        if (_gradients.TryGetValue(leaf, out var existing))
        {
            System.Numerics.Tensors.TensorPrimitives.Add(existing.DataSpan, gradient.Contiguous().AsSpan(), existing.DataSpan);
            return;
        }
        // Own the storage: the gradient may be a view of, or shared with, another tensor's data.
        _gradients[leaf] = new Tensor(gradient.ToArray(), leaf.ShapeArray);
        _order.Add(leaf);
    }

    /// <summary>Adds every collected gradient to its leaf's <see cref="Tensor.Grad"/> (as a plain backward would have) and empties the collector.</summary>
    public void AddToLeaves()
    {
        foreach (var leaf in _order)
        {
            var gradient = _gradients[leaf];
            if (leaf.Grad is null) leaf.Grad = gradient; // the collector owns this storage: no copy needed
            else leaf.AccumulateLeafGrad(gradient);
        }
        _gradients.Clear();
        _order.Clear();
    }
}
