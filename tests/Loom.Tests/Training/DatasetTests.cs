using Loom.Core;
using Loom.Training;
using Loom.Training.BuiltIn;

namespace Loom.Tests.Training;

public class DatasetTests
{
    [Fact]
    public void Two_spirals_have_balanced_labels_in_the_unit_square_and_repeat_by_seed()
    {
        var data = TwoSpirals.Generate(100, 0.02f, new LoomRandom(1));
        Assert.Equal([200, 2], data.Inputs.ShapeArray);
        Assert.Equal(100, data.Labels.Count(l => l == 1));
        Assert.All(data.Inputs.ToArray(), v => Assert.InRange(v, -1.2f, 1.2f));
        Assert.Equal(data.Inputs.ToArray(), TwoSpirals.Generate(100, 0.02f, new LoomRandom(1)).Inputs.ToArray());
        Assert.NotEqual(data.Inputs.ToArray(), TwoSpirals.Generate(100, 0.02f, new LoomRandom(2)).Inputs.ToArray());
    }

    [Fact]
    public void Two_spirals_arms_are_point_symmetric()
    {
        // Without noise, class 1 is class 0 turned by half a turn: (x, y) → (−x, −y).
        var v = TwoSpirals.Generate(50, 0f, new LoomRandom(1)).Inputs.ToArray();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(-v[2 * i], v[2 * (50 + i)], 5);
            Assert.Equal(-v[2 * i + 1], v[2 * (50 + i) + 1], 5);
        }
    }

    [Fact]
    public void Shapes_are_images_in_unit_range_with_cycling_labels()
    {
        var data = ShapesDataset.Generate(30, 16, new LoomRandom(3));
        Assert.Equal([30, 1, 16, 16], data.Inputs.ShapeArray);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i % 3), data.Labels);
        Assert.All(data.Inputs.ToArray(), v => Assert.InRange(v, 0f, 1f));
        Assert.Equal(data.Inputs.ToArray(), ShapesDataset.Generate(30, 16, new LoomRandom(3)).Inputs.ToArray());
    }

    [Fact]
    public void Each_shape_image_has_a_bright_shape_on_a_dark_background()
    {
        var data = ShapesDataset.Generate(60, 16, new LoomRandom(4));
        var pixels = data.Inputs.ToArray();
        for (int i = 0; i < data.Count; i++)
        {
            var image = pixels.AsSpan(i * 256, 256).ToArray();
            int bright = image.Count(p => p > 0.4f);
            Assert.InRange(bright, 8, 200);
            // The corners are background in almost every image: the shape sits inside its bounding circle.
            Assert.True(image.Count(p => p < 0.3f) > 40, $"image {i} has too little background");
        }
    }

    [Fact]
    public void Triangles_cover_fewer_pixels_than_circles_and_squares_on_average()
    {
        // Mean count of bright pixels per class, over many random sizes, fills and positions.
        var data = ShapesDataset.Generate(300, 24, new LoomRandom(5));
        var pixels = data.Inputs.ToArray();
        var mean = new double[3];
        for (int i = 0; i < data.Count; i++)
            mean[data.Labels[i]] += pixels.AsSpan(i * 576, 576).ToArray().Count(p => p > 0.4f) / 100.0;
        // Triangles (area 1.3r²) are smaller than circles and squares (about 2r²) drawn at the same r.
        Assert.True(mean[ShapesDataset.Triangle] < mean[ShapesDataset.Circle]);
        Assert.True(mean[ShapesDataset.Triangle] < mean[ShapesDataset.Square]);
    }

    [Fact]
    public void Mini_batches_cover_every_index_once_in_seeded_order()
    {
        var batches = MiniBatches.Epoch(10, 3, new LoomRandom(1)).ToList();
        Assert.Equal([3, 3, 3, 1], batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10), batches.SelectMany(b => b).Order());
        Assert.Equal(batches.SelectMany(b => b), MiniBatches.Epoch(10, 3, new LoomRandom(1)).SelectMany(b => b));
        Assert.NotEqual(Enumerable.Range(0, 10), batches.SelectMany(b => b));
        Assert.Equal(3, MiniBatches.Epoch(10, 3, new LoomRandom(1), dropLast: true).Count());
        Assert.Throws<LoomException>(() => MiniBatches.Epoch(10, 0, new LoomRandom(1)).ToList());
    }

    [Fact]
    public void Gather_copies_rows_and_labels_in_order()
    {
        var data = TwoSpirals.Generate(5, 0f, new LoomRandom(1));
        var (x, y) = data.Gather([7, 2]);
        Assert.Equal([2, 2], x.ShapeArray);
        Assert.Equal(data.Inputs.ToArray().AsSpan(14, 2).ToArray(), x.ToArray().AsSpan(0, 2).ToArray());
        Assert.Equal([1, 0], y);
        Assert.Throws<LoomException>(() => data.Gather([10]));
    }
}
