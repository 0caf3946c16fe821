using Loom.Core;
using Loom.Models.Diffusion.Conditioning;
using Loom.Models.Diffusion.Pipelines;
using Loom.Models.Diffusion.Schedulers;
using Loom.Models.Imaging;
using Loom.Tensors;

namespace Loom.Models.Diffusion;

/// <summary>
/// A trained diffusion model: samples with DDPM or DDIM at any step count, with an optional caption and
/// classifier-free guidance, and inpaints masked regions. <see cref="ImageSampleRequest.Temperature"/> does not apply
/// (the sampler's noise is the model's), so it is ignored.
/// </summary>
public sealed class DiffusionImageModel(DiffusionNetwork network, CaptionVocabulary? vocabulary, SchedulerConfig scheduler)
    : IImageModel, IImageInpainter
{
    public string Family => DiffusionModelDirectory.Family;

    public int Channels => network.Unet.Config.ImageChannels;

    public int Height => network.Unet.Config.ImageSize;

    public int Width => network.Unet.Config.ImageSize;

    public bool AcceptsPrompt => vocabulary is not null;

    public DiffusionNetwork Network => network;

    public CaptionVocabulary? Vocabulary => vocabulary;

    public SchedulerConfig Scheduler => scheduler;

    public Tensor Sample(ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default) =>
        Run(request, rng, null, cancellation);

    public Tensor Inpaint(Tensor image, Tensor mask, ImageSampleRequest request, LoomRandom rng, CancellationToken cancellation = default) =>
        Run(request, rng, new Inpainting(image.Contiguous(), mask.Contiguous()), cancellation);

    private Tensor Run(ImageSampleRequest request, LoomRandom rng, Inpainting? inpainting, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Prompt is not null && vocabulary is null)
            throw LoomException.Argument("diffusion: this model was trained without captions and takes no prompt (omit --prompt)");
        int steps = request.Steps ?? scheduler.DefaultSteps;
        var pipeline = new DiffusionPipeline(network, DiffusionSchedulers.Create(scheduler, request.Sampler));
        return pipeline.Generate(request.Count, request.Prompt is null ? null : vocabulary!.Encode(request.Prompt), request.Guidance, steps, rng,
            inpainting, cancellation);
    }
}
