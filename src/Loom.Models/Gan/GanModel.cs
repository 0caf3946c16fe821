using Loom.Core;
using Loom.Models.Imaging;
using Loom.Tensors;

namespace Loom.Models.Gan;

/// <summary>A trained GAN: the averaged generator. Samples map z ~ N(0, temperature²·I) through it.</summary>
public sealed class GanModel(Generator generator) : IImageModel
{
    public Generator Generator { get; } = generator;

    public GanConfig Config => Generator.Config;

    public string Family => GanFamily.FamilyName;
    public int Channels => Config.ImageChannels;
    public int Height => Config.ImageSize;
    public int Width => Config.ImageSize;
    public bool AcceptsPrompt => false;

    public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default)
    {
        if (request.Prompt is not null) throw LoomException.Argument("gan: this model takes no prompt (it is unconditional)");
        if (request.Count < 1) throw LoomException.Argument($"gan: sample count must be at least 1, found {request.Count}");
        if (!(request.Temperature >= 0) || float.IsInfinity(request.Temperature))
            throw LoomException.Argument($"gan: temperature must be finite and ≥ 0, found {request.Temperature}");
        using var _ = GradMode.NoGrad();
        var z = Tensor.Randn(rng, [request.Count, Config.Latent], 0f, request.Temperature);
        // In chunks, so a large grid neither holds every activation at once nor blocks cancellation for long.
        const int chunk = 64;
        var parts = new List<Tensor>();
        for (int start = 0; start < request.Count; start += chunk)
        {
            cancellation.ThrowIfCancellationRequested();
            parts.Add(Generator.Forward(z.Slice(0, start, Math.Min(chunk, request.Count - start)).Contiguous()));
        }
        return (parts.Count == 1 ? parts[0] : Ops.Concat(parts, 0)).Contiguous();
    }
}
