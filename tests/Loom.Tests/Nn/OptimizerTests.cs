using Loom.Core;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Tests.Nn;

/// <summary>Optimizer steps against scalar re-statements of PyTorch's update formulas, in double precision.</summary>
public class OptimizerTests
{
    private static readonly float[][] Grads = [[0.5f, -1f, 2f, 0.25f], [-0.3f, 0.8f, 1.5f, -2f], [1f, 1f, -0.5f, 0.1f]];
    private static readonly float[] Start = [1f, -2f, 0.5f, 3f];

    private static Parameter Matrix() => new(Tensor.FromArray(Start, 2, 2));

    private static void SetGrad(Parameter p, float[] g) => p.Grad = Tensor.FromArray(g, p.Value.ShapeArray);

    private static void AssertClose(double[] expected, Parameter p, double tol = 1e-6)
    {
        var actual = p.Value.ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"[{i}] expected {expected[i]}, found {actual[i]}");
    }

    [Theory]
    [InlineData(0f, false, 0f)]
    [InlineData(0.9f, false, 0f)]
    [InlineData(0.9f, true, 0f)]
    [InlineData(0.9f, false, 0.1f)]
    public void Sgd_matches_torch_formula(float momentum, bool nesterov, float weightDecay)
    {
        const double lr = 0.1;
        var p = Matrix();
        var opt = new Sgd([("w", p)], (float)lr, momentum, nesterov: nesterov, weightDecay: weightDecay);
        double[] w = Start.Select(v => (double)v).ToArray(), buf = new double[4];
        for (int step = 0; step < Grads.Length; step++)
        {
            SetGrad(p, Grads[step]);
            opt.Step();
            for (int i = 0; i < 4; i++)
            {
                double d = Grads[step][i] + weightDecay * w[i];
                if (momentum != 0)
                {
                    buf[i] = step == 0 ? d : momentum * buf[i] + d;
                    d = nesterov ? d + momentum * buf[i] : buf[i];
                }
                w[i] -= lr * d;
            }
            AssertClose(w, p);
        }
    }

    private static double[] AdamReference(bool decoupled, double lr, double wd, bool noDecay = false)
    {
        const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        double[] w = Start.Select(v => (double)v).ToArray(), m = new double[4], v = new double[4];
        for (int t = 1; t <= Grads.Length; t++)
        {
            for (int i = 0; i < 4; i++)
            {
                double g = Grads[t - 1][i];
                if (!noDecay && decoupled) w[i] *= 1 - lr * wd;
                if (!noDecay && !decoupled) g += wd * w[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.Pow(b1, t)), vHat = v[i] / (1 - Math.Pow(b2, t));
                w[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
        return w;
    }

    [Theory]
    [InlineData(0f)]
    [InlineData(0.1f)]
    public void Adam_matches_torch_formula_with_l2_decay(float weightDecay)
    {
        var p = Matrix();
        var opt = new Adam([("w", p)], 0.01f, weightDecay: weightDecay);
        foreach (var g in Grads) { SetGrad(p, g); opt.Step(); }
        AssertClose(AdamReference(decoupled: false, 0.01, weightDecay), p);
    }

    [Fact]
    public void AdamW_matches_torch_formula_with_decoupled_decay()
    {
        var p = Matrix();
        var opt = new AdamW([("w", p)], 0.01f, weightDecay: 0.5f);
        foreach (var g in Grads) { SetGrad(p, g); opt.Step(); }
        AssertClose(AdamReference(decoupled: true, 0.01, 0.5), p);
        Assert.NotEqual(AdamReference(decoupled: false, 0.01, 0.5)[0], AdamReference(decoupled: true, 0.01, 0.5)[0]);
    }

    [Fact]
    public void AdamW_does_not_decay_biases_or_norm_gains()
    {
        var net = new TwoAffines();
        var opt = new AdamW(net.NamedParameters(), 0.1f, weightDecay: 0.5f);
        // Zero gradients leave Adam's own update at 0, so only decay can move a weight.
        foreach (var p in net.Parameters()) p.Grad = Tensor.Zeros(p.Value.ShapeArray);
        net.First.Bias.Data.Fill(1f);
        opt.Step();
        Assert.All(net.First.Weight.Value.ToArray(), v => Assert.Equal(1f * (1 - 0.1f * 0.5f), v));
        Assert.All(net.First.Bias.Value.ToArray(), v => Assert.Equal(1f, v));
        Assert.All(net.Scale.Value.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Parameters_without_gradient_are_skipped()
    {
        var net = new TwoAffines();
        var opt = new Adam(net.NamedParameters(), 0.1f);
        net.First.Weight.Grad = Tensor.Ones(2, 2);
        opt.Step();
        Assert.NotEqual(1f, net.First.Weight.Value.ToArray()[0]);
        Assert.Equal(Enumerable.Repeat(2f, 4), net.Second.Weight.Value.ToArray());
        Assert.Equal(1, opt.StepCount);
    }

    private static void TrainSteps(Optimizer opt, Parameter p, int from, int to)
    {
        for (int step = from; step < to; step++)
        {
            // A quadratic bowl around a moving target: gradient = w − target(step).
            var w = p.Value.ToArray();
            SetGrad(p, w.Select((v, i) => v - MathF.Sin(step + i)).ToArray());
            opt.LearningRate = LrSchedule.WarmupCosine(step, 2, 8, 0.1f, 0.01f);
            opt.Step();
            opt.ZeroGrad();
        }
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void State_dict_resumes_to_bit_identical_parameters(string kind)
    {
        Optimizer Make(Parameter p) => kind == "sgd"
            ? new Sgd([("w", p)], 0.1f, momentum: 0.9f, nesterov: true)
            : new AdamW([("w", p)], 0.1f, weightDecay: 0.1f);

        var straight = Matrix();
        TrainSteps(Make(straight), straight, 0, 8);

        var resumed = Matrix();
        var first = Make(resumed);
        TrainSteps(first, resumed, 0, 4);
        var saved = first.StateDict();
        var second = Make(resumed);
        second.LoadStateDict(saved);
        Assert.Equal(4, second.StepCount);
        TrainSteps(second, resumed, 4, 8);

        Assert.Equal(straight.Value.ToArray(), resumed.Value.ToArray());
        // Without the moments, resuming drifts: the state really matters.
        var fresh = Matrix();
        TrainSteps(Make(fresh), fresh, 0, 4);
        TrainSteps(Make(fresh), fresh, 4, 8);
        Assert.NotEqual(straight.Value.ToArray(), fresh.Value.ToArray());
    }

    [Fact]
    public void Loading_state_of_another_kind_or_size_fails_naming_it()
    {
        var p = Matrix();
        var adam = new Adam([("w", p)]);
        SetGrad(p, Grads[0]);
        adam.Step();
        var e = Assert.Throws<LoomException>(() => new AdamW([("w", p)]).LoadStateDict(adam.StateDict()));
        Assert.Contains("Adam", e.Message);
        var small = new Parameter(Tensor.Zeros(3));
        e = Assert.Throws<LoomException>(() => new Adam([("w", small)]).LoadStateDict(adam.StateDict()));
        Assert.Contains("w.exp_avg", e.Message);
        e = Assert.Throws<LoomException>(() => new Adam([("v", p)]).LoadStateDict(adam.StateDict()));
        Assert.Contains("w.exp_avg", e.Message);
    }

    [Fact]
    public void Bad_hyperparameters_throw()
    {
        var p = Matrix();
        Assert.Throws<LoomException>(() => new Adam([("w", p)], beta1: 1f));
        Assert.Throws<LoomException>(() => new Sgd([("w", p)], 0.1f, nesterov: true));
        Assert.Throws<LoomException>(() => new Sgd([("w", p), ("w", p)], 0.1f));
        Assert.Throws<LoomException>(() => new Adam([("w", p)]) { LearningRate = float.NaN });
    }
}
