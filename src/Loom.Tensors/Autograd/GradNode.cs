namespace Loom.Tensors;

/// <summary>
/// One recorded op on the tape: its name, its inputs, and the rule that turns the gradient of its output into
/// gradients of its inputs (one per input, null where none is needed).
/// </summary>
internal sealed class GradNode(string op, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
{
    public string Op { get; } = op;
    public Tensor[] Inputs { get; } = inputs;
    public Func<Tensor, Tensor?[]> Backward { get; } = backward;
}
