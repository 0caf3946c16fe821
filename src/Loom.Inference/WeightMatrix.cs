using System.Runtime.InteropServices;
using Loom.Core;
using Loom.Formats.Gguf;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Inference;

/// <summary>
/// A weight matrix as stored in the GGUF file: <see cref="Rows"/> rows of <see cref="Columns"/> values (ggml shape
/// [Columns, Rows], ne0 first), read in place from the memory map — never copied. A linear layer with out×in weights.
/// </summary>
public sealed class WeightMatrix
{
    private readonly GgufFile _file;

    private WeightMatrix(GgufFile file, GgufTensorInfo tensor, int rows, int columns)
    {
        _file = file;
        Tensor = tensor;
        Rows = rows;
        Columns = columns;
        RowBytes = (int)GgmlTypeTraits.RowBytes(tensor.Type, columns);
    }

    public GgufTensorInfo Tensor { get; }
    public GgmlType Type => Tensor.Type;
    public int Rows { get; }
    public int Columns { get; }
    public int RowBytes { get; }
    /// <summary>The matrix's bytes in the mapped file.</summary>
    public ReadOnlySpan<byte> Bytes => _file.GetTensorBytes(Tensor);

    /// <summary>This matrix as one part of a grouped decode mat-vec (<see cref="QuantMatVecGroup"/>), writing its
    /// <see cref="Rows"/> outputs to the start of <paramref name="output"/>.</summary>
    public MatVecPart ToMatVecPart(Span<float> output) => new(Type, Bytes, Rows, output[..Rows]);

    /// <summary>The tensor <paramref name="name"/>, checked to be <paramref name="rows"/> × <paramref name="columns"/>
    /// of a type the engine can multiply.</summary>
    public static WeightMatrix Load(GgufFile file, string name, int rows, int columns)
    {
        var tensor = TensorChecks.Require(file, name, [columns, rows]);
        TensorChecks.RequireMatMulType(file, tensor);
        _ = file.GetTensorBytes(tensor); // a tensor a span cannot address fails here, at load, not mid-generation
        return new WeightMatrix(file, tensor, rows, columns);
    }

    /// <summary>
    /// Batches of at least this many rows take the batch path (<see cref="MatMulBatch"/>): <see cref="QuantGemm"/> for
    /// Q4_0 and Q8_0 on CPUs with its vector kernels, <see cref="DequantizedGemm"/> for every other non-F32 type. Measured
    /// (1 thread, 1024×1024 weights, Zen 5): the dequantizing GEMM overtakes ggml-style int8 dots by 16 rows for F16
    /// and by 24–32 rows for Q8_0/Q4_0/Q4_K/Q6_K (at 16 it runs at 0.7–0.9× of them), and is 2–3.5× faster at 512.
    /// 16 rather than 32 so that every batched prompt of 16+ tokens gets the same arithmetic; the few 16–31-token
    /// batches of quantized files pay a fraction of a millisecond per matrix for it.
    /// </summary>
    public const int DequantizedGemmMinRows = 16;

    /// <summary>
    /// True when this matrix's batch path quantizes the activations to int8 (<see cref="QuantGemm"/>: Q4_0 weights on
    /// a CPU with AVX-512BW, Q8_0 with AVX-VNNI, where integer multiply-adds run 2–3× the dequantizing float GEMM;
    /// pp512 of a 200M model 2.0× / 1.6× on one thread): its batches then follow llama.cpp's own arithmetic (the
    /// file's logits), not its f32_activations reference. False for every other type, whose batches keep float32
    /// activations on dequantized weights.
    /// </summary>
    public bool BatchQuantizesActivations => QuantGemm.Supports(Type) && QuantGemm.IsAccelerated(Type);

    /// <summary>
    /// Y[i, r] = Σ_c W[r, c]·X[i, c] for <paramref name="n"/> rows of X (n × Columns) into Y (n × Rows): x·Wᵀ.
    /// F32 weights go through the float GEMM/mat-vec. Other types: fewer than <see cref="DequantizedGemmMinRows"/>
    /// rows (decode is one) go through <see cref="QuantMatMul"/>, which quantizes each activation row once as ggml
    /// does, so token-by-token logits match llama.cpp on the same file; a batch of at least that many rows (prompt
    /// processing) takes <see cref="MatMulBatch"/>. The rule depends only on n, so a given batch always takes the
    /// same path.
    /// </summary>
    public void MatMul(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (Type == GgmlType.F32)
        {
            var w = MemoryMarshal.Cast<byte, float>(Bytes);
            Gemm.Multiply(x[..(n * Columns)], w, y[..(n * Rows)], n, Rows, Columns, transB: true);
        }
        else if (n >= DequantizedGemmMinRows)
        {
            MatMulBatch(x, n, y);
        }
        else
        {
            QuantMatMul.MatMul(Type, Bytes, Rows, Columns, x[..(n * Columns)], n, y[..(n * Rows)]);
        }
    }

    /// <summary>
    /// x·Wᵀ as <see cref="MatMul"/> does it for a batch of at least <see cref="DequantizedGemmMinRows"/> rows, whatever
    /// <paramref name="n"/> is (the batched decoder's block of long runs): <see cref="QuantGemm"/> when
    /// <see cref="BatchQuantizesActivations"/> (int8 activations, ggml's arithmetic in another summation order), else
    /// <see cref="DequantizedGemm"/> (float32 activations on dequantized weights, the computation llama.cpp's
    /// f32_activations reference measures, 2–3.5× faster than int8 dots there). Each output row depends only on its
    /// own input row, so a row gets the same bits in any batch.
    /// </summary>
    public void MatMulBatch(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (Type == GgmlType.F32) MatMul(x, n, y);
        else if (BatchQuantizesActivations) QuantGemm.MultiplyTransposed(Type, Bytes, Rows, Columns, x[..(n * Columns)], n, y[..(n * Rows)]);
        else DequantizedGemm.MultiplyTransposed(Type, Bytes, Rows, Columns, x[..(n * Columns)], n, y[..(n * Rows)]);
    }

    /// <summary>
    /// x·Wᵀ with float32 activations on dequantized weights (<see cref="DequantizedGemm"/>) whatever
    /// <paramref name="n"/> is: for the rows that finish a batch whose matrices kept float activations, e.g. the
    /// vocabulary projection of a prompt's last token, so such a prompt keeps one arithmetic.
    /// </summary>
    public void MatMulFloatActivations(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (Type == GgmlType.F32) MatMul(x, n, y);
        else DequantizedGemm.MultiplyTransposed(Type, Bytes, Rows, Columns, x[..(n * Columns)], n, y[..(n * Rows)]);
    }

    /// <summary>Row <paramref name="row"/> widened to float32 (ggml's get_rows): an embedding lookup.</summary>
    public void ReadRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows)
            throw LoomException.Argument($"tensor '{Tensor.Name}': row {row} is outside 0..{Rows - 1}");
        Dequantize.Row(Type, Bytes.Slice(row * RowBytes, RowBytes), destination[..Columns]);
    }
}
