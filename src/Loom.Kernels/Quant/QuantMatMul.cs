using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Loom.Core;
using Loom.Kernels.Threading;

namespace Loom.Kernels.Quant;

/// <summary>
/// A GGUF weight matrix of any non-F32 type (and F32) × float activations, as ggml's CPU matmul: for quantized types
/// each activation row is quantized once (Q8_0, Q8_1 or Q8_K, <see cref="VecDot.ActivationType"/>) and every
/// output is one integer <see cref="VecDot"/> of a weight row with it; F16 and BF16 weights are widened on the fly
/// and dotted with the float activations as they are (<see cref="FloatRowDot"/>). Weights are row-major in ggml
/// layout (a row = ne0 = <c>cols</c> values, <c>rows</c> rows, e.g. a GGUF tensor's bytes).
/// <para>Work is tiled: a chunk of <see cref="RowsPerChunk"/> weight rows against blocks of four activation rows, so
/// a weight row is read (and unpacked) once per four activation rows and the chunk stays in cache while the
/// activation blocks stream past. Chunks are spread over the shared worker pool; each output is computed by one
/// thread with a fixed operation order (four-row kernels repeat the single-row operations exactly), so results are
/// bit-identical for any thread count and for any batch size.</para>
/// </summary>
public static unsafe class QuantMatMul
{
    private const int RowsPerChunk = 16;
    private const int ActivationBlock = 4;

    /// <summary>y[r] = Σ_c W[r, c]·x[c] for r &lt; rows.</summary>
    public static void MatVec(GgmlType type, ReadOnlySpan<byte> weights, int rows, int cols, ReadOnlySpan<float> x, Span<float> y) =>
        MatMul(type, weights, rows, cols, x, 1, y);

    /// <summary>True for the weight types <see cref="MatMul"/> takes: F32, F16, BF16 and those with a <see cref="VecDot"/>.</summary>
    public static bool Supports(GgmlType type) =>
        IsFloat(type) || type is GgmlType.Q8_0 or GgmlType.Q4_0 or GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1
            or GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K;

    private static bool IsFloat(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.BF16;

    /// <summary>Y[i, r] = Σ_c W[r, c]·X[i, c] for <paramref name="n"/> activation rows X (n × cols) into Y (n × rows).</summary>
    public static void MatMul(GgmlType type, ReadOnlySpan<byte> weights, int rows, int cols, ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (!Supports(type))
            throw new LoomException(LoomErrorCode.NotSupported,
                $"quant matmul: weight type {type} is not supported; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K");
        long rowBytes = GgmlTypeTraits.RowBytes(type, cols);
        if (rows < 0 || n < 0 || weights.Length != rowBytes * rows)
            throw LoomException.Shape("quant matmul", $"{rows} {type} rows of {cols} take {rowBytes * Math.Max(rows, 0)} bytes, found {weights.Length}");
        if (x.Length != (long)n * cols) throw LoomException.Shape("quant matmul", $"activations: expected {n} × {cols} = {(long)n * cols} values, found {x.Length}");
        if (y.Length != (long)n * rows) throw LoomException.Shape("quant matmul", $"output: expected {n} × {rows} = {(long)n * rows} values, found {y.Length}");
        if (rows == 0 || n == 0) return;

        var work = Work.Instance ??= new Work();
        fixed (byte* w = weights)
        fixed (float* xs = x)
        fixed (float* output = y)
        {
            if (IsFloat(type)) // the float activations are used as they are
            {
                work.Set(type, w, (int)rowBytes, rows, cols, (byte*)xs, cols * sizeof(float), n, output);
                // The rows the four-row kernel leaves (all of decode's one) take the faster F16 dot on scaled inputs.
                int single = n % ActivationBlock;
                if (type == GgmlType.F16 && HalfRowDot.IsSupported && single > 0)
                {
                    if (work.Scaled.Length < single * cols) work.Scaled = new float[single * cols];
                    work.ScaledFrom = HalfRowDot.TryScale(x[((n - single) * cols)..], work.Scaled) ? n - single : n;
                }
                fixed (float* scaled = work.Scaled)
                {
                    work.ScaledInput = scaled;
                    Run(work, rows, cols, n);
                }
                return;
            }
            GgmlType activationType = VecDot.ActivationType(type);
            int activationRowBytes = (int)GgmlTypeTraits.RowBytes(activationType, cols);
            QuantizeRows(activationType, x, cols, n, activationRowBytes, work);
            fixed (byte* a = work.Activations)
                Run(work.Set(type, w, (int)rowBytes, rows, cols, a, activationRowBytes, n, output), rows, cols, n);
        }
    }

    private static void Run(Work work, int rows, int cols, int n)
    {
        int chunks = (rows + RowsPerChunk - 1) / RowsPerChunk;
        // A thread costs more to wake than a few small rows take: stay on the caller for tiny products.
        int threads = (long)rows * cols * n < 1 << 16 ? 1 : KernelOptions.Threads;
        try
        {
            WorkerPool.Shared.For(chunks, work, threads);
        }
        finally
        {
            work.Clear();
        }
    }

    private static void QuantizeRows(GgmlType activationType, ReadOnlySpan<float> x, int cols, int n, int activationRowBytes, Work work)
    {
        if (work.Activations.Length < (long)activationRowBytes * n) work.Activations = new byte[checked(activationRowBytes * n)];
        for (int i = 0; i < n; i++)
        {
            var source = x.Slice(i * cols, cols);
            var target = work.Activations.AsSpan(i * activationRowBytes, activationRowBytes);
            switch (activationType)
            {
                case GgmlType.Q8_0: QuantizeActivations.Q8_0(source, target); break;
                case GgmlType.Q8_1: QuantizeActivations.Q8_1(source, target); break;
                default: QuantizeQ8_K.Row(source, target); break;
            }
        }
    }

    /// <summary>The per-call state the pool's threads read; one per calling thread, reused so calls allocate nothing.</summary>
    private sealed class Work : IParallelWork
    {
        [ThreadStatic] public static Work? Instance;

        public byte[] Activations = [];
        /// <summary>F16 only: activation rows from <see cref="ScaledFrom"/> on, scaled for <see cref="HalfRowDot"/>
        /// (ScaledFrom = n when none are).</summary>
        public float[] Scaled = [];
        public float* ScaledInput;
        public int ScaledFrom;
        private GgmlType _type;
        private byte* _weights, _activations;
        private float* _output;
        private int _rowBytes, _rows, _cols, _activationRowBytes, _n;

        public Work Set(GgmlType type, byte* weights, int rowBytes, int rows, int cols, byte* activations, int activationRowBytes, int n, float* output)
        {
            _type = type;
            _weights = weights;
            _rowBytes = rowBytes;
            _rows = rows;
            _cols = cols;
            _activations = activations;
            _activationRowBytes = activationRowBytes;
            _n = n;
            _output = output;
            ScaledFrom = n; // none, unless the F16 path scales some
            return this;
        }

        public void Clear()
        {
            _weights = null;
            _activations = null;
            _output = null;
            ScaledInput = null;
        }

        public void Run(int chunk)
        {
            int start = chunk * RowsPerChunk, end = Math.Min(_rows, start + RowsPerChunk);
            int i = 0;
            if (_type != GgmlType.F32 && (!IsFloat(_type) || FloatRowDot.HasFourRowKernel))
                for (; i + ActivationBlock <= _n; i += ActivationBlock)
                {
                    if (IsFloat(_type)) HalfRows4(start, end, i);
                    else QuantRows4(start, end, i);
                }
            int blocks = IsFloat(_type) ? 0 : _cols / GgmlTypeTraits.BlockSize(_type);
            for (; i < _n; i++)
            {
                byte* a = _activations + (long)i * _activationRowBytes;
                if (i >= ScaledFrom)
                {
                    float* scaled = ScaledInput + (long)(i - ScaledFrom) * _cols;
                    HalfRowDot.Rows(_weights, _rowBytes, start, end, scaled, (float*)a, _cols, _output + (long)i * _rows);
                    continue;
                }
                for (int r = start; r < end; r++)
                {
                    byte* row = _weights + (long)r * _rowBytes;
                    _output[(long)i * _rows + r] = _type switch
                    {
                        GgmlType.F32 => FloatDot(row, a),
                        GgmlType.F16 or GgmlType.BF16 => FloatRowDot.Dot(_type, ref *row, ref *(float*)a, _cols),
                        _ => VecDot.Dot(_type, row, a, blocks),
                    };
                }
            }
        }

        /// <summary>Weight rows [start, end) × activation rows i..i+3 of a quantized type: one pass over each weight row.</summary>
        private void QuantRows4(int start, int end, int i)
        {
            float* four = stackalloc float[ActivationBlock];
            int blocks = _cols / GgmlTypeTraits.BlockSize(_type);
            byte* a0 = _activations + (long)i * _activationRowBytes;
            byte* a1 = a0 + _activationRowBytes, a2 = a1 + _activationRowBytes, a3 = a2 + _activationRowBytes;
            for (int r = start; r < end; r++)
            {
                VecDot.Dot4(_type, _weights + (long)r * _rowBytes, blocks, a0, a1, a2, a3, four);
                for (int k = 0; k < ActivationBlock; k++) _output[(long)(i + k) * _rows + r] = four[k];
            }
        }

        /// <summary>
        /// F16/BF16 rows [start, end) × activation rows i..i+3, walked in column panels: four float activation rows of
        /// 4096 columns are 64 KB, more than L1, so each panel of them is used by every weight row of the chunk before the
        /// next panel. The vector accumulators carry across panels, so the sums are those of one pass.
        /// </summary>
        private void HalfRows4(int start, int end, int i)
        {
            const int Panel = 1024; // 4 × 4 KB of activations
            var acc = stackalloc Vector512<float>[RowsPerChunk * 8];
            new Span<Vector512<float>>(acc, RowsPerChunk * 8).Clear();
            float* x0 = (float*)(_activations + (long)i * _activationRowBytes);
            float* x1 = x0 + _cols, x2 = x1 + _cols, x3 = x2 + _cols;
            int full = FloatRowDot.VectorColumns(_cols);
            for (int p = 0; p < full; p += Panel)
            {
                int pe = Math.Min(full, p + Panel);
                for (int r = start; r < end; r++)
                    FloatRowDot.Accumulate4(_type, (ushort*)(_weights + (long)r * _rowBytes), x0, x1, x2, x3, p, pe, acc + (r - start) * 8);
            }
            float* four = stackalloc float[ActivationBlock];
            for (int r = start; r < end; r++)
            {
                FloatRowDot.Finish4(_type, (ushort*)(_weights + (long)r * _rowBytes), x0, x1, x2, x3, _cols, acc + (r - start) * 8, four);
                for (int k = 0; k < ActivationBlock; k++) _output[(long)(i + k) * _rows + r] = four[k];
            }
        }

        private float FloatDot(byte* row, byte* a) =>
            TensorPrimitives.Dot(new ReadOnlySpan<float>(row, _cols), new ReadOnlySpan<float>(a, _cols));
    }
}
