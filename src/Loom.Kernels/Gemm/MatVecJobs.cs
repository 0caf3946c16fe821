using Loom.Kernels.Threading;

namespace Loom.Kernels;

/// <summary>
/// y[r] (+)= dot(weights row r, x), in chunks of whole rows: each row is one dot product whatever chunk or thread
/// runs it. One instance per calling thread is reused, so a call allocates nothing.
/// </summary>
internal sealed unsafe class MatVecRowsJob : IParallelWork
{
    // ~64 KB of weights per chunk: small enough to balance two busy cores, large enough that handing out a chunk
    // (one interlocked increment) costs nothing next to reading it.
    private const int ChunkFloats = 1 << 14;

    [ThreadStatic] private static MatVecRowsJob? t_cached;

    private float* _w, _x, _y;
    private int _rows, _cols, _rowsPerChunk;
    private bool _accumulate;

    public int Chunks => (_rows + _rowsPerChunk - 1) / _rowsPerChunk;

    public static MatVecRowsJob Rent(float* w, float* x, float* y, int rows, int cols, bool accumulate)
    {
        var job = t_cached ?? new MatVecRowsJob();
        t_cached = null;
        job._w = w;
        job._x = x;
        job._y = y;
        (job._rows, job._cols, job._accumulate) = (rows, cols, accumulate);
        // Whole groups of four rows per chunk, so the four-row kernel runs wherever it can.
        job._rowsPerChunk = Math.Max(4, ChunkFloats / Math.Max(1, cols) & ~3);
        return job;
    }

    public void Return()
    {
        _w = _x = _y = null;
        t_cached = this;
    }

    public void Run(int index)
    {
        int r0 = index * _rowsPerChunk, r1 = Math.Min(_rows, r0 + _rowsPerChunk);
        float* dots = stackalloc float[4];
        int r = r0;
        for (; r <= r1 - 4; r += 4)
        {
            MatVecDot.Dot4(_w + (nint)r * _cols, _cols, _x, _cols, dots);
            for (int i = 0; i < 4; i++) _y[r + i] = _accumulate ? _y[r + i] + dots[i] : dots[i];
        }
        for (; r < r1; r++)
        {
            float dot = MatVecDot.Dot1(_w + (nint)r * _cols, _x, _cols);
            _y[r] = _accumulate ? _y[r] + dot : dot;
        }
    }
}

/// <summary>
/// y[c] += Σ_r x[r]·weights[r, c] over vertical strips of columns: each strip walks all rows in order, so each
/// y[c] is summed in row order whatever the strip count. y must already hold the starting value (0 to overwrite).
/// </summary>
internal sealed unsafe class MatVecColumnsJob : IParallelWork
{
    [ThreadStatic] private static MatVecColumnsJob? t_cached;

    private float* _w, _x, _y;
    private int _rows, _cols, _colsPerStrip;

    public int Strips => (_cols + _colsPerStrip - 1) / _colsPerStrip;

    public static MatVecColumnsJob Rent(float* w, float* x, float* y, int rows, int cols, int strips)
    {
        var job = t_cached ?? new MatVecColumnsJob();
        t_cached = null;
        job._w = w;
        job._x = x;
        job._y = y;
        (job._rows, job._cols) = (rows, cols);
        // Strips are whole cache lines wide so two threads never write the same line of y.
        job._colsPerStrip = Math.Max(16, ((cols + strips - 1) / strips + 15) & ~15);
        return job;
    }

    public void Return()
    {
        _w = _x = _y = null;
        t_cached = this;
    }

    public void Run(int index)
    {
        int c0 = index * _colsPerStrip, width = Math.Min(_cols, c0 + _colsPerStrip) - c0;
        int r = 0;
        for (; r <= _rows - 4; r += 4) MatVecAxpy.Axpy4(_w + (nint)r * _cols + c0, _cols, _x + r, _y + c0, width);
        for (; r < _rows; r++) MatVecAxpy.Axpy1(_w + (nint)r * _cols + c0, _x[r], _y + c0, width);
    }
}
