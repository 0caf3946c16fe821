using Loom.Tests.Text;
using Loom.Training.Images;

namespace Loom.Tests.Training.Images;

public class EmojiFolderTests
{
    [SharedDataFact("data/emoji/val")]
    public void ReadsTheWholeValFolderWithItsCaptions()
    {
        string root = Path.Combine(TestPaths.Shared!, "data", "emoji");
        var set = ImageFolder.Load(Path.Combine(root, "val"), new ImageFolderOptions { Channels = 4, CaptionsCsv = Path.Combine(root, "val.csv") });
        Assert.Equal((376, 4, 32, 32), (set.Count, set.Channels, set.Height, set.Width));
        Assert.All(Enumerable.Range(0, set.Count), i => Assert.False(string.IsNullOrWhiteSpace(set.Caption(i))));
        Assert.Contains(Enumerable.Range(0, set.Count), i => set.Caption(i)!.Contains(','));
        Assert.All(set.Pixels.ToArray(), v => Assert.InRange(v, -1f, 1f));
    }
}
