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

    /// <summary>The tensor <paramref name="name"/>, checked to be <paramref name="rows"/> × <paramref name="columns"/>
    /// of a type the engine can multiply.</summary>
    public static WeightMatrix Load(GgufFile file, string name, int rows, int columns)
    {
        var tensor = TensorChecks.Require(file, name, [columns, rows]);
        TensorChecks.RequireMatMulType(file, tensor);
        _ = file.GetTensorBytes(tensor); // a tensor a span cannot address fails here, at load, not mid-generation
        return new WeightMatrix(file, tensor, rows, columns);
    }

    /// <summary>Y[i, r] = Σ_c W[r, c]·X[i, c] for <paramref name="n"/> rows of X (n × Columns) into Y (n × Rows): x·Wᵀ.
    /// F32 weights go through the float GEMM/mat-vec; every other type through <see cref="QuantMatMul"/>, which
    /// quantizes each activation row once as ggml does.</summary>
    public void MatMul(ReadOnlySpan<float> x, int n, Span<float> y)
    {
        if (Type == GgmlType.F32)
        {
            var w = MemoryMarshal.Cast<byte, float>(Bytes);
            Gemm.Multiply(x[..(n * Columns)], w, y[..(n * Rows)], n, Rows, Columns, transB: true);
        }
        else
        {
            QuantMatMul.MatMul(Type, Bytes, Rows, Columns, x[..(n * Columns)], n, y[..(n * Rows)]);
        }
    }

    /// <summary>Row <paramref name="row"/> widened to float32 (ggml's get_rows): an embedding lookup.</summary>
    public void ReadRow(int row, Span<float> destination)
    {
        if ((uint)row >= (uint)Rows)
            throw LoomException.Argument($"tensor '{Tensor.Name}': row {row} is outside 0..{Rows - 1}");
        Dequantize.Row(Type, Bytes.Slice(row * RowBytes, RowBytes), destination[..Columns]);
    }
}
