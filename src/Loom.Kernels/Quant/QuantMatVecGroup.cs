using Loom.Core;
using Loom.Kernels.Threading;

namespace Loom.Kernels.Quant;

/// <summary>One weight matrix of a <see cref="QuantMatVecGroup"/>: <paramref name="Rows"/> rows of
/// <see cref="GgmlType"/> <paramref name="Type"/> (ggml layout) and the <paramref name="Output"/> they fill.</summary>
public readonly ref struct MatVecPart(GgmlType type, ReadOnlySpan<byte> weights, int rows, Span<float> output)
{
    public GgmlType Type { get; } = type;
    public ReadOnlySpan<byte> Weights { get; } = weights;
    public int Rows { get; } = rows;
    public Span<float> Output { get; } = output;
}

/// <summary>
/// Single-token decode: up to three matrices that read the same input vector (Q, K and V; gate and up) multiplied in
/// ONE worker-pool job, the input quantized once per activation type rather than once per matrix. Each output is the
/// same <see cref="VecDot"/> (or <see cref="FloatRowDot"/>) call <see cref="QuantMatMul.MatVec"/> makes for it, so the
/// results are bit-identical to separate mat-vecs, for any thread count.
/// <para>Chunks hold a fixed number of weight bytes (rows weighted by their bytes, not counted): about half of one
/// thread's share of the job, between 32 and 512 KB, so the threads claim equal shares of the bytes to stream and each
/// claim — a contended atomic between cores — is paid rarely. Each output is computed by one thread whatever the
/// chunking, so the bits do not depend on it.</para>
/// </summary>
public static unsafe class QuantMatVecGroup
{
    // Chunk size bounds. Measured on 2 threads (200M models, best of 5 × 128 decoded tokens): 32 KB chunks gave Q8_0
    // 158 tok/s, Q4_K_M 207, F16 97; 512 KB chunks 215, 281 and 109; 2 MB chunks lost again (an uneven end). Small chunks
    // pay a claim per chunk, restart the hardware prefetcher at every boundary, and the kernels' software prefetch
    // (8–16 KB ahead) runs into the chunk another thread has taken.
    private const int MinChunkBytes = 32 * 1024, MaxChunkBytes = 512 * 1024;
    private const int MaxParts = 3;

    /// <summary>True when <see cref="MatVec"/> takes weights of <paramref name="type"/> (quantized types and F16/BF16).</summary>
    public static bool Supports(GgmlType type) => type != GgmlType.F32 && QuantMatMul.Supports(type);

    /// <summary>parts[p].Output[r] = Σ_c W_p[r, c]·x[c] for every part; a part with no rows is skipped.</summary>
    public static void MatVec(ReadOnlySpan<float> x, in MatVecPart a, in MatVecPart b = default, in MatVecPart c = default)
    {
        var work = Work.Instance ??= new Work();
        int cols = x.Length;
        Check(a, cols, 0);
        Check(b, cols, 1);
        Check(c, cols, 2);
        fixed (float* xs = x)
        fixed (byte* w0 = a.Weights, w1 = b.Weights, w2 = c.Weights)
        fixed (float* y0 = a.Output, y1 = b.Output, y2 = c.Output)
        {
            work.Parts = 0;
            work.Cols = cols;
            work.Input = xs;
            work.QuantizedTypes = 0;
            work.ScaledReady = false;
            // About two chunks per thread for the job's bytes, within the bounds: big chunks stream best, and a small
            // job still spreads over every thread.
            long bytes = (long)a.Weights.Length + b.Weights.Length + c.Weights.Length;
            work.ChunkBytes = (int)Math.Clamp(bytes / (2 * Math.Max(1, KernelOptions.Threads)), MinChunkBytes, MaxChunkBytes);
            long elements = 0;
            elements += Add(work, a, w0, y0, x);
            elements += Add(work, b, w1, y1, x);
            elements += Add(work, c, w2, y2, x);
            if (work.Parts == 0) return;
            fixed (byte* q0 = work.Activations[0], q1 = work.Activations[1], q2 = work.Activations[2])
            fixed (float* scaled = work.Scaled)
            {
                work.ScaledInput = scaled;
                byte*[] pointers = work.ActivationPointers;
                pointers[0] = q0;
                pointers[1] = q1;
                pointers[2] = q2;
                // A thread costs more to wake than a few small rows take (as QuantMatMul).
                int threads = elements < 1 << 16 ? 1 : KernelOptions.Threads;
                try
                {
                    WorkerPool.Shared.For(work.ChunkEnd[work.Parts - 1], work, threads);
                }
                finally
                {
                    work.Clear();
                }
            }
        }
    }

    private static void Check(in MatVecPart part, int cols, int index)
    {
        if (part.Rows == 0) return;
        if (!Supports(part.Type))
            throw new LoomException(LoomErrorCode.NotSupported, $"quant mat-vec group: part {index}: weight type {part.Type} is not supported");
        long rowBytes = GgmlTypeTraits.RowBytes(part.Type, cols);
        if (part.Rows < 0 || part.Weights.Length != rowBytes * part.Rows)
            throw LoomException.Shape("quant mat-vec group", $"part {index}: {part.Rows} {part.Type} rows of {cols} take {rowBytes * Math.Max(part.Rows, 0)} bytes, found {part.Weights.Length}");
        if (part.Output.Length != part.Rows)
            throw LoomException.Shape("quant mat-vec group", $"part {index}: output: expected {part.Rows} values, found {part.Output.Length}");
    }

    private static long Add(Work work, in MatVecPart part, byte* weights, float* output, ReadOnlySpan<float> x)
    {
        if (part.Rows == 0) return 0;
        int p = work.Parts++;
        int rowBytes = (int)GgmlTypeTraits.RowBytes(part.Type, work.Cols);
        work.Types[p] = part.Type;
        work.Weights[p] = weights;
        work.Outputs[p] = output;
        work.RowBytes[p] = rowBytes;
        work.Rows[p] = part.Rows;
        work.ChunkRows[p] = Math.Max(1, work.ChunkBytes / rowBytes);
        int previous = p == 0 ? 0 : work.ChunkEnd[p - 1];
        work.ChunkEnd[p] = previous + (part.Rows + work.ChunkRows[p] - 1) / work.ChunkRows[p];
        work.ActivationSlot[p] = ActivationSlot(work, part.Type, x);
        return (long)part.Rows * work.Cols;
    }

    // The slot of the input quantized for this weight type, quantizing it the first time the type is met; −1 for
    // F16/BF16 weights, which take the float input as it is.
    private static int ActivationSlot(Work work, GgmlType weightType, ReadOnlySpan<float> x)
    {
        if (weightType == GgmlType.F16 && HalfRowDot.IsSupported && !work.ScaledReady)
        {
            if (work.Scaled.Length < x.Length) work.Scaled = new float[x.Length];
            work.ScaledReady = HalfRowDot.TryScale(x, work.Scaled);
        }
        if (weightType is GgmlType.F16 or GgmlType.BF16) return -1;
        GgmlType activationType = VecDot.ActivationType(weightType);
        for (int s = 0; s < work.QuantizedTypes; s++)
            if (work.ActivationTypes[s] == activationType) return s;
        int slot = work.QuantizedTypes++;
        work.ActivationTypes[slot] = activationType;
        int bytes = (int)GgmlTypeTraits.RowBytes(activationType, x.Length);
        if (work.Activations[slot].Length < bytes) work.Activations[slot] = new byte[bytes];
        var target = work.Activations[slot].AsSpan(0, bytes);
        switch (activationType)
        {
            case GgmlType.Q8_0: QuantizeActivations.Q8_0(x, target); break;
            case GgmlType.Q8_1: QuantizeActivations.Q8_1(x, target); break;
            default: QuantizeQ8_K.Row(x, target); break;
        }
        return slot;
    }

    /// <summary>The per-call state the pool's threads read; one per calling thread, reused so calls allocate nothing.</summary>
    private sealed class Work : IParallelWork
    {
        [ThreadStatic] public static Work? Instance;

        public readonly byte[][] Activations = [[], [], []];
        public readonly byte*[] ActivationPointers = new byte*[MaxParts];
        public readonly GgmlType[] ActivationTypes = new GgmlType[MaxParts];
        public int QuantizedTypes;
        public float* Input;
        /// <summary>The input scaled for <see cref="HalfRowDot"/>, when an F16 part wants it and the scaling succeeded.</summary>
        public float[] Scaled = [];
        public float* ScaledInput;
        public bool ScaledReady;
        public int Cols, Parts, ChunkBytes;
        public readonly GgmlType[] Types = new GgmlType[MaxParts];
        public readonly byte*[] Weights = new byte*[MaxParts];
        public readonly float*[] Outputs = new float*[MaxParts];
        public readonly int[] RowBytes = new int[MaxParts], Rows = new int[MaxParts], ChunkRows = new int[MaxParts];
        public readonly int[] ChunkEnd = new int[MaxParts], ActivationSlot = new int[MaxParts];

        public void Clear()
        {
            for (int p = 0; p < MaxParts; p++)
            {
                Weights[p] = null;
                Outputs[p] = null;
                ActivationPointers[p] = null;
            }
            Input = null;
            ScaledInput = null;
        }

        public void Run(int chunk)
        {
            int p = 0;
            while (chunk >= ChunkEnd[p]) p++;
            int first = chunk - (p == 0 ? 0 : ChunkEnd[p - 1]);
            int start = first * ChunkRows[p], end = Math.Min(Rows[p], start + ChunkRows[p]);
            GgmlType type = Types[p];
            byte* weights = Weights[p];
            float* output = Outputs[p];
            int rowBytes = RowBytes[p], slot = ActivationSlot[p];
            if (slot < 0)
            {
                if (type == GgmlType.F16 && ScaledReady)
                {
                    HalfRowDot.Rows(weights, rowBytes, start, end, ScaledInput, Input, Cols, output);
                    return;
                }
                for (int row = start; row < end; row++)
                    output[row] = FloatRowDot.Dot(type, ref *(weights + (long)row * rowBytes), ref *Input, Cols);
                return;
            }
            byte* a = ActivationPointers[slot];
            int blocks = Cols / GgmlTypeTraits.BlockSize(type);
            // Rows4 gives the single-row bits, with a four-row kernel where the type has one.
            int r = start;
            for (; r + 4 <= end; r += 4)
                VecDot.Rows4(type, weights + (long)r * rowBytes, rowBytes, a, blocks, output + r);
            for (; r < end; r++)
                output[r] = VecDot.Dot(type, weights + (long)r * rowBytes, a, blocks);
        }
    }
}
