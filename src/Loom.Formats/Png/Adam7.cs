namespace Loom.Formats.Png;

/// <summary>The seven passes of Adam7 interlacing: each takes every <c>StepX</c>-th pixel from <c>StartX</c> of every
/// <c>StepY</c>-th row from <c>StartY</c>.</summary>
public static class Adam7
{
    public readonly record struct Pass(int StartX, int StartY, int StepX, int StepY)
    {
        public int Columns(int width) => width > StartX ? (int)(((long)width - StartX + StepX - 1) / StepX) : 0;
        public int Rows(int height) => height > StartY ? (int)(((long)height - StartY + StepY - 1) / StepY) : 0;
    }

    public static ReadOnlySpan<Pass> Passes => PassTable;

    private static readonly Pass[] PassTable =
    [
        new(0, 0, 8, 8), new(4, 0, 8, 8), new(0, 4, 4, 8), new(2, 0, 4, 4),
        new(0, 2, 2, 4), new(1, 0, 2, 2), new(0, 1, 1, 2),
    ];
}
