using Loom.Core;
using Loom.Kernels;
using Loom.Kernels.Quant;

namespace Loom.Tests.Kernels.Quant;

public class QuantMatMulTests
{
    [Theory]
    [MemberData(nameof(VecDotTests.WeightTypes), MemberType = typeof(VecDotTests))]
    public void MatMulMatchesFloatProductsOfTheDequantizedOperands(GgmlType type)
    {
        const int rows = 37, cols = 512, n = 3;
        var random = new Random(8);
        float[] w = new float[rows * cols], x = new float[n * cols];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextSingle() * 2 - 1;
        for (int i = 0; i < x.Length; i++) x[i] = random.NextSingle() * 2 - 1;
        var weights = new byte[GgmlTypeTraits.RowBytes(type, w.Length)];
        Quantize.Row(type, w, weights);
        float[] wq = new float[w.Length];
        Dequantize.Row(type, weights, wq);

        var y = new float[n * rows];
        QuantMatMul.MatMul(type, weights, rows, cols, x, n, y);

        for (int i = 0; i < n; i++)
            for (int r = 0; r < rows; r++)
            {
                double exact = 0, magnitude = 0;
                for (int c = 0; c < cols; c++)
                {
                    exact += (double)wq[r * cols + c] * x[i * cols + c];
                    magnitude += Math.Abs((double)wq[r * cols + c] * x[i * cols + c]);
                }
                // Only the activations' int8 rounding separates the two: about 1 % of the magnitude at most.
                Assert.InRange(y[i * rows + r], exact - 0.01 * magnitude, exact + 0.01 * magnitude);
            }

        var single = new float[rows];
        QuantMatMul.MatVec(type, weights, rows, cols, x.AsSpan(cols, cols), single);
        Assert.Equal(y.AsSpan(rows, rows).ToArray(), single);
    }

    [Fact]
    public void ResultsDoNotDependOnTheThreadCount()
    {
        const int rows = 300, cols = 256;
        var random = new Random(2);
        var w = new float[rows * cols];
        for (int i = 0; i < w.Length; i++) w[i] = random.NextSingle() - 0.5f;
        var weights = new byte[GgmlTypeTraits.RowBytes(GgmlType.Q4_K, w.Length)];
        Quantize.Row(GgmlType.Q4_K, w, weights);
        var x = w.AsSpan(0, cols).ToArray();
        int saved = KernelOptions.Threads;
        try
        {
            var one = new float[rows];
            var two = new float[rows];
            KernelOptions.Threads = 1;
            QuantMatMul.MatVec(GgmlType.Q4_K, weights, rows, cols, x, one);
            KernelOptions.Threads = 2;
            QuantMatMul.MatVec(GgmlType.Q4_K, weights, rows, cols, x, two);
            Assert.Equal(one, two);
        }
        finally
        {
            KernelOptions.Threads = saved;
        }
    }

    [Fact]
    public void WrongSizesAreRejected()
    {
        var weights = new byte[2 * 34];
        Assert.Contains("2 Q8_0 rows of 32 take 68 bytes, found 34",
            Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q8_0, weights[..34], 2, 32, new float[32], new float[2])).Message);
        Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q8_0, weights, 2, 32, new float[31], new float[2]));
        Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.Q8_0, weights, 2, 32, new float[32], new float[3]));
        Assert.Throws<LoomException>(() => QuantMatMul.MatVec(GgmlType.F16, new byte[128], 2, 32, new float[32], new float[2]));
    }
}
