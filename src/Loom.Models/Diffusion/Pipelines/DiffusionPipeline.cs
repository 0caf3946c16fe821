using Loom.Core;
using Loom.Models.Diffusion.Schedulers;
using Loom.Tensors;

namespace Loom.Models.Diffusion.Pipelines;

/// <summary>
/// The sampling loop: start from Gaussian noise, and at each of the scheduler's timesteps ask the network for ε
/// (with classifier-free guidance ε = ε_uncond + g·(ε_cond − ε_uncond), both halves in one batched forward pass)
/// and let the scheduler step. With an <see cref="Inpainting"/>, after every step the kept region is replaced by
/// the known image noised to the level of the step just reached (RePaint's replacement without its resampling
/// jumps), and by the image itself after the last step, so the kept pixels come back exactly.
/// </summary>
public sealed class DiffusionPipeline(DiffusionNetwork network, DiffusionScheduler scheduler)
{
    /// <summary>Images per forward pass (twice as many rows with guidance): bounds memory for large counts.</summary>
    public int MaxBatch { get; init; } = 32;

    /// <summary>
    /// <paramref name="count"/> images [count, C, H, W] after <paramref name="steps"/> steps. <paramref name="prompt"/>
    /// is the caption's word ids (null: unconditional); guidance 0 samples unconditionally even with a prompt.
    /// </summary>
    public Tensor Generate(int count, int[]? prompt, float guidance, int steps, LoomRandom rng, Inpainting? inpainting = null,
        CancellationToken cancellation = default)
    {
        var unet = network.Unet.Config;
        if (count < 1) throw LoomException.Argument($"sample: count must be at least 1, found {count}");
        if (!float.IsFinite(guidance) || guidance < 0) throw LoomException.Argument($"sample: guidance must be a non-negative number, found {guidance}");
        if (prompt is not null && network.Captions is null) throw LoomException.Argument("sample: this diffusion model is unconditional and takes no prompt");
        inpainting?.Check(unet.ImageChannels, unet.ImageSize, unet.ImageSize);
        scheduler.SetTimesteps(steps);

        bool wasTraining = network.Training;
        network.Eval();
        using var _ = GradMode.NoGrad();
        try
        {
            // Condition rows [1, E]: the prompt's and the null one; null tensors for an unconditional model.
            var conditional = prompt is not null && guidance != 0 ? network.Condition([prompt]) : null;
            var unconditional = network.Condition([null]);
            int size = unet.ImageChannels * unet.ImageSize * unet.ImageSize;
            var result = new float[count * size];
            for (int start = 0; start < count; start += MaxBatch)
            {
                int n = Math.Min(MaxBatch, count - start);
                var images = Chunk(n, conditional, unconditional, guidance, rng, inpainting, cancellation);
                images.AsSpan().CopyTo(result.AsSpan(start * size, n * size));
            }
            return new Tensor(result, count, unet.ImageChannels, unet.ImageSize, unet.ImageSize);
        }
        finally
        {
            network.Train(wasTraining);
        }
    }

    private float[] Chunk(int n, Tensor? conditional, Tensor? unconditional, float guidance, LoomRandom rng, Inpainting? inpainting,
        CancellationToken cancellation)
    {
        var unet = network.Unet.Config;
        int[] shape = [n, unet.ImageChannels, unet.ImageSize, unet.ImageSize];
        var x = Tensor.Randn(rng, shape).ToArray();
        if (inpainting is not null) inpainting.Blend(x, Noised(inpainting.Image, scheduler.Timesteps[0], rng));
        foreach (int t in scheduler.Timesteps)
        {
            cancellation.ThrowIfCancellationRequested();
            var sample = new Tensor(x, shape);
            var epsilon = PredictNoise(sample, t, conditional, unconditional, guidance);
            x = scheduler.Step(epsilon, t, sample, rng).ToArray();
            if (inpainting is null) continue;
            int previous = scheduler.PreviousTimestep(t);
            inpainting.Blend(x, previous < 0 ? inpainting.Image.ToArray() : Noised(inpainting.Image, previous, rng));
        }
        return x;
    }

    /// <summary>The known image at noise level <paramref name="timestep"/> with fresh noise.</summary>
    private float[] Noised(Tensor image, int timestep, LoomRandom rng) =>
        scheduler.AddNoise(image, Tensor.Randn(rng, image.ShapeArray), timestep).ToArray();

    private Tensor PredictNoise(Tensor x, int t, Tensor? conditional, Tensor? unconditional, float guidance)
    {
        int n = x.Size(0);
        Tensor? Rows(Tensor? row, int count) => row?.Expand(count, row.Size(1)).Contiguous();
        int[] Times(int count) => Enumerable.Repeat(t, count).ToArray();
        if (conditional is null) return network.PredictNoise(x, Times(n), Rows(unconditional, n));
        if (guidance == 1) return network.PredictNoise(x, Times(n), Rows(conditional, n));

        // One pass over [x; x] with [c; ∅]: a batch twice as tall keeps the GEMMs busier than two half passes.
        var both = network.PredictNoise(Ops.Concat([x, x], 0), Times(2 * n), Ops.Concat([Rows(conditional, n)!, Rows(unconditional, n)!], 0));
        var withCondition = both.Slice(0, 0, n).ToArray();
        var without = both.Slice(0, n, n).ToArray();
        var guided = new float[withCondition.Length];
        for (int i = 0; i < guided.Length; i++) guided[i] = without[i] + guidance * (withCondition[i] - without[i]);
        return new Tensor(guided, x.ShapeArray);
    }
}
