using Loom.Core;
using Loom.Models.Imaging;
using Loom.Models.Storage;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// A trained flow as an image model: sampling with a temperature, exact bits/dim, interpolation through z, and the
/// negative log-likelihood as an anomaly score. Work is done in batches of <see cref="BatchSize"/> images.
/// </summary>
public sealed class FlowImageModel : IImageModel, IImageLikelihood, IImageInterpolator, IImageAnomalyScorer
{
    /// <summary>Images per forward pass when sampling or scoring: bounds memory, not results (each image is independent).</summary>
    public const int BatchSize = 64;

    public FlowImageModel(MultiScaleFlow flow, ModelManifest? manifest = null)
    {
        ArgumentNullException.ThrowIfNull(flow);
        Flow = flow;
        Manifest = manifest;
        flow.Eval();
    }

    public MultiScaleFlow Flow { get; }

    /// <summary>loom.json as read from the model directory; null for a model built in memory.</summary>
    public ModelManifest? Manifest { get; }

    public string Family => FlowFamily.FamilyName;
    public int Channels => Flow.Config.Channels;
    public int Height => Flow.Config.Height;
    public int Width => Flow.Config.Width;
    public bool AcceptsPrompt => false;
    public bool IsExact => true;

    /// <summary>
    /// Images drawn from the flow, [Count, C, H, W] in [−1, 1]. Guidance and steps do not apply to a flow and are
    /// ignored; a prompt is an error. The latents are drawn batch after batch from <paramref name="rng"/>.
    /// </summary>
    public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Prompt is not null) throw LoomException.Argument("flow sample: this model takes no prompt (flows are unconditional)");
        if (request.Count < 1) throw LoomException.Argument($"flow sample: count must be at least 1, found {request.Count}");
        var pieces = new List<Tensor>();
        for (int done = 0; done < request.Count; done += BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            pieces.Add(Dequantization.ToPixels(Flow.Sample(Math.Min(BatchSize, request.Count - done), request.Temperature, rng)));
        }
        using var _ = GradMode.NoGrad();
        return pieces.Count == 1 ? pieces[0] : Ops.Concat(pieces, 0);
    }

    /// <summary>Exact bits/dim of each image (uniform dequantization noise drawn from <paramref name="rng"/>).</summary>
    public double[] BitsPerDim(Tensor images, LoomRandom rng, CancellationToken cancellation = default) =>
        LogLikelihoods(images, rng, cancellation).Select(ll => Dequantization.BitsPerDim(ll, Flow.Config.Dimensions)).ToArray();

    /// <summary>Negative log-likelihood in nats of each 8-bit image, −log p(x) + D·ln 256 (bits/dim × D·ln 2).</summary>
    public double[] AnomalyScores(Tensor images, LoomRandom rng, CancellationToken cancellation = default) =>
        LogLikelihoods(images, rng, cancellation).Select(ll => -ll + Flow.Config.Dimensions * Math.Log(Dequantization.Levels)).ToArray();

    /// <summary>
    /// [steps, C, H, W]: both images encoded at the middle of their 8-bit bins, every latent moved linearly from one to
    /// the other, decoded. The ends decode back to the two images (the flow is exactly invertible).
    /// </summary>
    public Tensor Interpolate(Tensor from, Tensor to, int steps)
    {
        if (steps < 2) throw LoomException.Argument($"flow interpolate: steps must be at least 2, found {steps}");
        var a = Flow.Encode(Dequantization.ToFlowSpace(AsSingleImage(from, "from"))).Latents;
        var b = Flow.Encode(Dequantization.ToFlowSpace(AsSingleImage(to, "to"))).Latents;
        using var _ = GradMode.NoGrad();
        var latents = new Tensor[a.Count];
        for (int l = 0; l < a.Count; l++)
        {
            var path = new Tensor[steps];
            for (int s = 0; s < steps; s++)
            {
                float t = s / (float)(steps - 1);
                path[s] = Ops.Add(Ops.Scale(a[l], 1 - t), Ops.Scale(b[l], t));
            }
            latents[l] = Ops.Concat(path, 0);
        }
        return Dequantization.ToPixels(Flow.Decode(latents));
    }

    private double[] LogLikelihoods(Tensor images, LoomRandom rng, CancellationToken cancellation)
    {
        RequireImages(images, "bits/dim");
        using var _ = GradMode.NoGrad();
        int count = images.Size(0);
        var result = new double[count];
        for (int start = 0; start < count; start += BatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            int n = Math.Min(BatchSize, count - start);
            var x = Dequantization.ToFlowSpace(images.Slice(0, start, n), rng);
            var values = Flow.LogLikelihood(x).ToArray();
            for (int i = 0; i < n; i++) result[start + i] = values[i];
        }
        return result;
    }

    private Tensor AsSingleImage(Tensor image, string name)
    {
        using var _ = GradMode.NoGrad();
        var batched = image.Rank == 3 ? image.Unsqueeze(0) : image;
        RequireImages(batched, $"interpolate ({name})");
        if (batched.Size(0) != 1) throw LoomException.Shape("flow interpolate", $"'{name}' must be one image, found {ShapeUtil.Format(image.Shape)}");
        return batched;
    }

    private void RequireImages(Tensor images, string op)
    {
        if (images.Rank != 4 || images.Size(1) != Channels || images.Size(2) != Height || images.Size(3) != Width)
            throw LoomException.Shape($"flow {op}", $"expected images [N, {Channels}, {Height}, {Width}], found {ShapeUtil.Format(images.Shape)}");
    }
}
