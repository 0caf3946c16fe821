using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// Activation normalization (Glow): y = (x + bias)·exp(logScale) per channel. The first batch it sees sets bias and
/// logScale so that batch comes out with zero mean and unit variance per channel (data-dependent init: each step
/// starts well scaled whatever the data, where batch norm would make the flow depend on the batch). The buffer
/// "initialized" is saved with the weights, so a loaded model never initializes again.
/// log|det J| = H·W·Σ logScale.
/// </summary>
public sealed class ActNorm : FlowLayer
{
    // A channel (nearly) constant in the init batch is scaled at most 1000×, not blown up to infinity.
    private const double StdFloor = 1e-3;

    private readonly Nn.Parameter _bias;
    private readonly Nn.Parameter _logScale;
    private readonly Tensor _initialized;

    public ActNorm(int channels)
    {
        Channels = channels;
        // Shaped [1, C, 1, 1] to broadcast over images; never decayed (they are a normalization, not weights).
        _bias = AddParameter("bias", Tensor.Zeros(1, channels, 1, 1), noDecay: true);
        _logScale = AddParameter("logScale", Tensor.Zeros(1, channels, 1, 1), noDecay: true);
        _initialized = AddBuffer("initialized", Tensor.Zeros(1));
    }

    public int Channels { get; }

    /// <summary>Whether bias and logScale were set from data (or loaded).</summary>
    public bool IsInitialized => _initialized.AsSpan()[0] != 0;

    public override (Tensor Y, Tensor LogDet) Transform(Tensor x)
    {
        if (!IsInitialized) InitializeFrom(x);
        var y = Ops.Mul(Ops.Add(x, _bias), Ops.Exp(_logScale));
        var logDet = Ops.Scale(Ops.Sum(_logScale.Value), x.Size(2) * x.Size(3));
        return (y, logDet);
    }

    public override Tensor Inverse(Tensor y)
    {
        using var _ = GradMode.NoGrad();
        return Ops.Sub(Ops.Mul(y, Ops.Exp(Ops.Neg(_logScale))), _bias);
    }

    /// <summary>Sets bias = −mean and logScale = −log std per channel of <paramref name="x"/> ([N, C, H, W]).</summary>
    public void InitializeFrom(Tensor x)
    {
        var values = x.Detach().Contiguous().AsSpan();
        int n = x.Size(0), c = x.Size(1), spatial = x.Size(2) * x.Size(3);
        var bias = _bias.Data;
        var logScale = _logScale.Data;
        for (int channel = 0; channel < c; channel++)
        {
            double sum = 0, squares = 0;
            for (int image = 0; image < n; image++)
            {
                var plane = values.Slice((image * c + channel) * spatial, spatial);
                foreach (float v in plane) sum += v;
            }
            double mean = sum / (n * spatial);
            for (int image = 0; image < n; image++)
            {
                var plane = values.Slice((image * c + channel) * spatial, spatial);
                foreach (float v in plane) squares += (v - mean) * (v - mean);
            }
            double std = Math.Sqrt(squares / (n * spatial));
            bias[channel] = (float)-mean;
            logScale[channel] = (float)-Math.Log(Math.Max(std, StdFloor));
        }
        _initialized.DataSpan[0] = 1;
    }
}
