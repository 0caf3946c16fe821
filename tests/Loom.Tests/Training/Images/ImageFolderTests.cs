using Loom.Core;
using Loom.Formats.Png;
using Loom.Training.Images;

namespace Loom.Tests.Training.Images;

public class ImageFolderTests
{
    [Fact]
    public void LoadsInOrdinalPathOrderWithThePixelConventionAndCaptions()
    {
        using var folder = new TempImageFolder();
        folder.Solid("b.png", 4, 3, 10, 20, 30);
        folder.Solid("a.png", 4, 3, 255, 0, 128);
        folder.Solid("sub/c.png", 4, 3, 1, 2, 3, 0);
        folder.Solid("B2.png", 4, 3, 7, 7, 7);
        folder.Text("captions.csv", "file,name,caption\nb.png,x,\"a cat, sitting\"\n\"sub/c.png\",y,\"said \"\"hi\"\"\"\n");
        var set = ImageFolder.Load(folder.Root, new ImageFolderOptions { Channels = 4, CaptionsCsv = folder.Path_("captions.csv") });

        Assert.Equal(["B2.png", "a.png", "b.png", "sub/c.png"], Enumerable.Range(0, set.Count).Select(i => Path.GetRelativePath(folder.Root, set.Source(i)).Replace('\\', '/')));
        Assert.Equal((4, 4, 3, 4), (set.Count, set.Channels, set.Height, set.Width));
        Assert.True(set.HasCaptions);
        Assert.Equal([null, null, "a cat, sitting", "said \"hi\""], Enumerable.Range(0, 4).Select(set.Caption));
        var a = set.Image(1);
        Assert.Equal(255 / 127.5 - 1, a[0], 1e-6);
        Assert.Equal(0 / 127.5 - 1, a[12], 1e-6);
        Assert.Equal(128 / 127.5 - 1, a[24], 1e-6);
        Assert.Equal(1.0, a[36], 1e-6);
    }

    [Fact]
    public void ThreeChannelsCompositesAlphaOverTheBackground()
    {
        using var folder = new TempImageFolder();
        folder.Solid("clear.png", 2, 2, 200, 0, 0, 0);
        folder.Solid("half.png", 2, 2, 0, 0, 0, 51);
        var white = ImageFolder.Load(folder.Root, new ImageFolderOptions());
        Assert.All(white.Image(0).ToArray(), v => Assert.Equal(1f, v, 1e-6f)); // transparent red → white
        Assert.Equal((1 - 0.2) * 2 - 1, white.Image(1)[0], 1e-6);          // 20% black over white
        var black = ImageFolder.Load(folder.Root, new ImageFolderOptions { Background = ImageBackground.Black });
        Assert.All(black.Image(0).ToArray(), v => Assert.Equal(-1f, v, 1e-6f));
    }

    [Fact]
    public void CaptionsUseTheNameColumnWhenThereIsNoCaptionColumnAndPathsRelativeToTheImageFolder()
    {
        using var folder = new TempImageFolder();
        folder.Solid("images/x.png", 2, 2, 0, 0, 0);
        folder.Solid("images/y.png", 2, 2, 0, 0, 0);
        // x.png is not beside the CSV (meta/), so it resolves against the image folder.
        string csv = folder.Text("meta/list.csv", "hexcode,file,name\r\n1,x.png,\"red heart, big\"\r\n");
        var set = ImageFolder.Load(folder.Path_("images"), new ImageFolderOptions { CaptionsCsv = csv });
        Assert.Equal("red heart, big", set.Caption(0));
        Assert.Null(set.Caption(1));
        var explicitColumn = ImageFolder.Load(folder.Path_("images"), new ImageFolderOptions { CaptionsCsv = csv, CaptionColumn = "hexcode" });
        Assert.Equal("1", explicitColumn.Caption(0));
    }

    [Fact]
    public void ACaptionRowNamingAMissingFileIsAnErrorNamingTheCsvRowAndPath()
    {
        using var folder = new TempImageFolder();
        folder.Solid("a.png", 2, 2, 0, 0, 0);
        string csv = folder.Text("c.csv", "file,caption\na.png,fine\nghost.png,boo\n");
        var e = Assert.Throws<LoomException>(() => ImageFolder.Load(folder.Root, new ImageFolderOptions { CaptionsCsv = csv }));
        Assert.Contains(csv, e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("ghost.png", e.Message);
    }

    [Fact]
    public void EmptyFolderIsAClearError()
    {
        using var folder = new TempImageFolder();
        folder.Text("notes.txt", "no images here");
        var e = Assert.Throws<LoomException>(() => ImageFolder.Load(folder.Root));
        Assert.Contains(folder.Root, e.Message);
        Assert.Contains("no .png files", e.Message);
        Assert.Equal(LoomErrorCode.FileNotFound, Assert.Throws<LoomException>(() => ImageFolder.Load(folder.Path_("absent"))).Code);
    }

    [Fact]
    public void MixedSizesNameBothFilesAndSizesUnlessASizeIsGiven()
    {
        using var folder = new TempImageFolder();
        string a = folder.Solid("a.png", 4, 4, 0, 0, 0);
        string b = folder.Solid("b.png", 6, 5, 0, 0, 0);
        var e = Assert.Throws<LoomException>(() => ImageFolder.Load(folder.Root));
        Assert.Contains("mixed sizes", e.Message);
        Assert.Contains($"{a} is 4×4", e.Message);
        Assert.Contains($"{b} is 6×5", e.Message);
        var resized = ImageFolder.Load(folder.Root, new ImageFolderOptions { Size = 3 });
        Assert.Equal((2, 3, 3, 3), (resized.Count, resized.Channels, resized.Height, resized.Width));
    }

    [Fact]
    public void BadFilesFailNamingTheFileOrAreSkippedAndReported()
    {
        using var folder = new TempImageFolder();
        folder.Solid("a.png", 2, 2, 0, 0, 0);
        string bad = folder.Text("b.png", "this is not a png");
        folder.Solid("c.png", 2, 2, 0, 0, 0);
        string cut = folder.Path_("d.png");
        File.WriteAllBytes(cut, PngEncoder.Encode(new PngImage(2, 2, 1, 8, [1, 2, 3, 4]))[..40]);

        var e = Assert.Throws<LoomException>(() => ImageFolder.Load(folder.Root));
        Assert.StartsWith(bad + ":", e.Message);

        var told = new List<string>();
        var contents = ImageFolder.Read(folder.Root, new ImageFolderOptions { SkipBadFiles = true, OnSkipped = s => told.Add(s.Path) });
        Assert.Equal(2, contents.Images.Count);
        Assert.Equal([bad, cut], contents.Skipped.Select(s => s.Path));
        Assert.Equal([bad, cut], told);
        Assert.Contains("bad signature", contents.Skipped[0].Reason);
    }

    [Fact]
    public void LoadingIsDeterministic()
    {
        using var folder = new TempImageFolder();
        for (int i = 0; i < 6; i++) folder.Write($"{i}.png", Loom.Tests.Formats.Png.PngTestFiles.RandomImage(5, 7, 4, 8, (ulong)i));
        var options = new ImageFolderOptions { Size = 4, Channels = 3 };
        Assert.Equal(ImageFolder.Load(folder.Root, options).Pixels.ToArray(), ImageFolder.Load(folder.Root, options).Pixels.ToArray());
    }
}
