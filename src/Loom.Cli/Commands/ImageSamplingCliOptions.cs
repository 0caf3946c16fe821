using System.CommandLine;
using Loom.Core;
using Loom.Models.Imaging;

namespace Loom.Cli;

/// <summary>
/// The sampling options that `loom sample`, `loom inpaint` and `loom eval images` share (--prompt, --guidance,
/// --steps, --sampler, --temperature, --seed), and how they become an <see cref="ImageSampleRequest"/>.
/// </summary>
internal sealed class ImageSamplingCliOptions
{
    /// <summary>Guidance when --prompt is given without --guidance: pushed toward the prompt, as most users mean.</summary>
    public const float DefaultPromptGuidance = 3f;

    public Option<string> Prompt { get; } = new("--prompt") { Description = "Caption to condition on (caption-conditioned diffusion models)" };
    public Option<float?> Guidance { get; } = new("--guidance") { Description = $"Classifier-free guidance: 0 unconditional, 1 conditional, >1 pushed toward the prompt (default {DefaultPromptGuidance} with --prompt)" };
    public Option<int?> Steps { get; } = new("--steps") { Description = "Sampling steps for diffusion (default: the model's)" };
    public Option<string> Sampler { get; } = new("--sampler") { Description = "Diffusion sampler: ddpm or ddim (default: the model's)" };
    public Option<float> Temperature { get; } = new("--temperature") { Description = "Noise scale for VAE, GAN and flow sampling: below 1 trades variety for typicality", DefaultValueFactory = _ => 1f };
    public Option<ulong> Seed { get; } = new("--seed") { Description = "Seed: the same seed gives the same images", DefaultValueFactory = _ => 1234 };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Prompt, Guidance, Steps, Sampler, Temperature, Seed }) command.Options.Add(option);
    }

    /// <summary>The request for <paramref name="count"/> images; refuses a prompt the model cannot use, naming the model.</summary>
    public ImageSampleRequest Request(ParseResult parse, IImageModel model, string modelDirectory, int count)
    {
        if (count < 1) throw LoomException.Argument($"--n: expected at least 1 image, found {count}");
        string? prompt = parse.GetValue(Prompt);
        if (prompt is not null && !model.AcceptsPrompt)
            throw LoomException.Argument($"--prompt: the {model.Family} model in {modelDirectory} is not caption-conditioned; drop --prompt (train a diffusion model with --captions to use prompts)");
        int? steps = parse.GetValue(Steps);
        if (steps is < 1) throw LoomException.Argument($"--steps: expected at least 1, found {steps}");
        string? sampler = parse.GetValue(Sampler)?.ToLowerInvariant();
        if (sampler is not (null or "ddpm" or "ddim")) throw LoomException.Argument($"--sampler: expected ddpm or ddim, found '{sampler}'");
        float temperature = parse.GetValue(Temperature);
        if (!(temperature > 0)) throw LoomException.Argument($"--temperature: expected a positive number, found {temperature}");
        float guidance = parse.GetValue(Guidance) ?? (prompt is null ? 0f : DefaultPromptGuidance);
        if (guidance < 0) throw LoomException.Argument($"--guidance: expected 0 or more, found {guidance}");
        return new ImageSampleRequest
        {
            Count = count,
            Prompt = prompt,
            Guidance = guidance,
            Steps = steps,
            Sampler = sampler,
            Temperature = temperature,
        };
    }
}
