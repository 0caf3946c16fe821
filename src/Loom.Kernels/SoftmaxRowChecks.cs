using Loom.Core;

namespace Loom.Kernels;

/// <summary>
/// Length checks shared by the row-wise kernels (softmax, layer/RMS norm): each validates its spans once, up front,
/// so the loops that follow can slice without further checks and a bad call names the kernel and the span.
/// </summary>
internal static class RowChecks
{
    public static void Dimensions(string op, int rows, int cols)
    {
        if (rows < 0 || cols < 0)
            throw LoomException.Argument($"{op}: rows and cols must be non-negative, found rows={rows} cols={cols}");
    }

    /// <summary>A row-major rows×cols operand: needs at least rows·cols elements.</summary>
    public static void Matrix(string op, string name, int length, int rows, int cols)
    {
        long needed = (long)rows * cols;
        if (length < needed)
            throw LoomException.Shape(op, $"{name} needs {needed} elements (rows={rows}, cols={cols}), found {length}");
    }

    /// <summary>One value per row (mean, rstd): needs at least rows elements.</summary>
    public static void PerRow(string op, string name, int length, int rows)
    {
        if (length < rows)
            throw LoomException.Shape(op, $"{name} needs {rows} elements (one per row), found {length}");
    }

    /// <summary>An optional per-column vector (gamma, beta, dgamma): empty, or exactly cols elements.</summary>
    public static void OptionalPerColumn(string op, string name, int length, int cols)
    {
        if (length != 0 && length != cols)
            throw LoomException.Shape(op, $"{name} needs {cols} elements (one per column) or none, found {length}");
    }
}
