namespace Loom.Kernels;

/// <summary>
/// C split into rectangles, one per pool index: whole Mr×Nr tiles per rectangle, shaped by
/// <see cref="GemmJob.ChooseGrid"/>. Shared by the float GEMM and the dequantizing GEMM so both split alike.
/// </summary>
internal readonly struct GemmGrid
{
    private readonly int _m, _n, _rowsPerRect, _colsPerRect, _rectsAcross;

    public GemmGrid(int m, int n, int threads, int mr, int nr)
    {
        var (tilesDown, tilesAcross) = GemmJob.ChooseGrid(m, n, threads, mr, nr);
        _m = m;
        _n = n;
        _rowsPerRect = GemmBlocking.RoundUp((m + tilesDown - 1) / tilesDown, mr);
        _colsPerRect = GemmBlocking.RoundUp((n + tilesAcross - 1) / tilesAcross, nr);
        _rectsAcross = (n + _colsPerRect - 1) / _colsPerRect;
        Count = (m + _rowsPerRect - 1) / _rowsPerRect * _rectsAcross;
    }

    /// <summary>How many rectangles (pool indices) the grid has.</summary>
    public int Count { get; }

    /// <summary>Rectangle <paramref name="index"/>: rows [Row0, Row1) and columns [Col0, Col1) of C.</summary>
    public (int Row0, int Row1, int Col0, int Col1) Rect(int index)
    {
        int row0 = index / _rectsAcross * _rowsPerRect;
        int col0 = index % _rectsAcross * _colsPerRect;
        return (row0, Math.Min(_m, row0 + _rowsPerRect), col0, Math.Min(_n, col0 + _colsPerRect));
    }
}
