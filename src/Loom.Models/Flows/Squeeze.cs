using Loom.Core;
using Loom.Tensors;

namespace Loom.Models.Flows;

/// <summary>
/// Space-to-depth by 2×2 (RealNVP's squeeze): [N, C, H, W] → [N, 4C, H/2, W/2], output channel c·4 + dy·2 + dx
/// holding input channel c at (2i + dy, 2j + dx). A permutation of the values, so log|det J| = 0; it lets later
/// couplings mix neighbouring pixels through channels.
/// </summary>
public static class Squeeze
{
    public static Tensor Down(Tensor x)
    {
        int n = x.Size(0), c = x.Size(1), h = x.Size(2), w = x.Size(3);
        if (h % 2 != 0 || w % 2 != 0) throw LoomException.Shape("squeeze", $"height and width must be even, found {ShapeUtil.Format(x.Shape)}");
        return x.Reshape(n, c, h / 2, 2, w / 2, 2).Permute(0, 1, 3, 5, 2, 4).Reshape(n, c * 4, h / 2, w / 2);
    }

    /// <summary>The inverse of <see cref="Down"/>: [N, 4C, H, W] → [N, C, 2H, 2W].</summary>
    public static Tensor Up(Tensor x)
    {
        int n = x.Size(0), c = x.Size(1), h = x.Size(2), w = x.Size(3);
        if (c % 4 != 0) throw LoomException.Shape("unsqueeze", $"channels must be a multiple of 4, found {ShapeUtil.Format(x.Shape)}");
        return x.Reshape(n, c / 4, 2, 2, h, w).Permute(0, 1, 4, 2, 5, 3).Reshape(n, c / 4, h * 2, w * 2);
    }
}
