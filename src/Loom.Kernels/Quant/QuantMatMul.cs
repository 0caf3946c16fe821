using Loom.Core;
using Loom.Kernels.Threading;

namespace Loom.Kernels.Quant;

/// <summary>
/// Quantized matrix × float activations, as ggml's CPU matmul: each activation row is quantized once (Q8_0 or Q8_K,
/// <see cref="VecDot.ActivationType"/>), then every output is one integer <see cref="VecDot"/> of a weight row with
/// it. Weights are row-major in ggml layout (a row = ne0 = <c>cols</c> values, <c>rows</c> rows, e.g. a GGUF
/// tensor's bytes). Rows are spread over the shared worker pool in fixed chunks; each output is computed by one
/// thread from one row, so results are bit-identical for any thread count.
/// </summary>
public static unsafe class QuantMatMul
{
    private const int RowsPerChunk = 16;

    /// <summary>y[r] = Σ_c W[r, c]·x[c] for r &lt; rows.</summary>
    public static void MatVec(GgmlType type, ReadOnlySpan<byte> weights, int rows, int cols, ReadOnlySpan<float> x, Span<float> y) =>
        MatMul(type, weights, rows, cols, x, 1, y);

    /// <summary>Y[i, r] = Σ_c W[r, c]·X[i, c] for <paramref name="n"/> activation rows X (n × cols) into Y (n × rows).</summary>
    public static void MatMul(GgmlType type, ReadOnlySpan<byte> weights, int rows, int cols, ReadOnlySpan<float> x, int n, Span<float> y)
    {
        GgmlType activationType = VecDot.ActivationType(type);
        long rowBytes = GgmlTypeTraits.RowBytes(type, cols);
        if (rows < 0 || n < 0 || weights.Length != rowBytes * rows)
            throw LoomException.Shape("quant matmul", $"{rows} {type} rows of {cols} take {rowBytes * Math.Max(rows, 0)} bytes, found {weights.Length}");
        if (x.Length != (long)n * cols) throw LoomException.Shape("quant matmul", $"activations: expected {n} × {cols} = {(long)n * cols} values, found {x.Length}");
        if (y.Length != (long)n * rows) throw LoomException.Shape("quant matmul", $"output: expected {n} × {rows} = {(long)n * rows} values, found {y.Length}");
        if (rows == 0 || n == 0) return;

        int activationRowBytes = (int)GgmlTypeTraits.RowBytes(activationType, cols);
        var work = Work.Instance ??= new Work();
        if (work.Activations.Length < activationRowBytes * n) work.Activations = new byte[activationRowBytes * n];
        for (int i = 0; i < n; i++)
        {
            var source = x.Slice(i * cols, cols);
            var target = work.Activations.AsSpan(i * activationRowBytes, activationRowBytes);
            if (activationType == GgmlType.Q8_0) QuantizeActivations.Q8_0(source, target);
            else QuantizeQ8_K.Row(source, target);
        }
        fixed (byte* w = weights)
        fixed (byte* a = work.Activations)
        fixed (float* output = y)
        {
            work.Set(type, w, (int)rowBytes, rows, a, activationRowBytes, n, output);
            int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
            // A thread costs more to wake than a few small rows take: stay on the caller for tiny products.
            int threads = (long)rows * cols * n < 1 << 16 ? 1 : KernelOptions.Threads;
            WorkerPool.Shared.For(chunks, work, threads);
            work.Clear();
        }
    }

    /// <summary>The per-call state the pool's threads read; one per calling thread, reused so calls allocate nothing.</summary>
    private sealed class Work : IParallelWork
    {
        [ThreadStatic] public static Work? Instance;

        public byte[] Activations = [];
        private GgmlType _type;
        private byte* _weights, _activations;
        private float* _output;
        private int _rowBytes, _rows, _activationRowBytes, _n;

        public void Set(GgmlType type, byte* weights, int rowBytes, int rows, byte* activations, int activationRowBytes, int n, float* output)
        {
            _type = type;
            _weights = weights;
            _rowBytes = rowBytes;
            _rows = rows;
            _activations = activations;
            _activationRowBytes = activationRowBytes;
            _n = n;
            _output = output;
        }

        public void Clear()
        {
            _weights = null;
            _activations = null;
            _output = null;
        }

        public void Run(int chunk)
        {
            int end = Math.Min(_rows, (chunk + 1) * RowsPerChunk);
            for (int r = chunk * RowsPerChunk; r < end; r++)
            {
                var row = new ReadOnlySpan<byte>(_weights + (long)r * _rowBytes, _rowBytes);
                for (int i = 0; i < _n; i++)
                    _output[(long)i * _rows + r] = VecDot.Dot(_type, row, new ReadOnlySpan<byte>(_activations + (long)i * _activationRowBytes, _activationRowBytes));
            }
        }
    }
}
