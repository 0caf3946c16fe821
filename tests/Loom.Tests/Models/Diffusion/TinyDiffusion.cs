using Loom.Core;
using Loom.Models.Diffusion;
using Loom.Models.Diffusion.Models;
using Loom.Training.Images;

namespace Loom.Tests.Models.Diffusion;

/// <summary>Small shapes and data for the diffusion tests: 8×8 images, a two-level UNet, captioned pictures.</summary>
internal static class TinyDiffusion
{
    public static UNetConfig Unet(int channels = 3) => new()
    {
        ImageChannels = channels, ImageSize = 8, BaseChannels = 8, ChannelMultipliers = [1, 2], AttentionResolutions = [4],
        NormGroups = 4, HeadChannels = 8,
    };

    public static DiffusionConfig Config(bool conditional = true) =>
        new() { Unet = Unet(), Condition = conditional ? DiffusionConfig.CaptionCondition : DiffusionConfig.NoCondition, WordDim = 8 };

    public static readonly string[] Captions = ["red square", "blue square", "green ring", "white cross"];

    /// <summary>Four distinct 8×8 RGB pictures in [−1, 1] with captions: a red square, a blue square, a green ring, a white cross.</summary>
    public static ImageTensorSet Pictures(bool captions = true)
    {
        const int size = 8, plane = size * size;
        var pixels = new float[4 * 3 * plane];
        Array.Fill(pixels, -1f);
        void Set(int image, int channel, int y, int x, float value) => pixels[(image * 3 + channel) * plane + y * size + x] = value;
        for (int y = 0; y < size; y++)
        for (int x = 0; x < size; x++)
        {
            bool inner = y is >= 2 and < 6 && x is >= 2 and < 6;
            bool ring = Math.Abs(Math.Sqrt((y - 3.5) * (y - 3.5) + (x - 3.5) * (x - 3.5)) - 2.5) < 0.8;
            bool cross = y is 3 or 4 || x is 3 or 4;
            if (inner) Set(0, 0, y, x, 1f);
            if (inner) Set(1, 2, y, x, 1f);
            if (ring) Set(2, 1, y, x, 1f);
            if (cross) for (int c = 0; c < 3; c++) Set(3, c, y, x, 1f);
        }
        return new ImageTensorSet(pixels, 4, 3, size, size, captions ? Captions : null);
    }

    public static string TempDirectory() => Path.Combine(Path.GetTempPath(), $"loom-diffusion-{Guid.NewGuid():N}");
}
