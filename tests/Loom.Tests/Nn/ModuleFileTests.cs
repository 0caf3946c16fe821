using Loom.Core;
using Loom.Formats;
using Loom.Nn;
using Loom.Nn.Optim;
using Loom.Tensors;

namespace Loom.Tests.Nn;

public sealed class ModuleFileTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"loom-nn-files-{Guid.NewGuid():N}");

    public ModuleFileTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void F32_round_trips_exactly_and_keeps_metadata()
    {
        var source = new TwoAffines();
        Init.Normal(source.First.Weight.Value, new LoomRandom(1));
        string path = Path.Combine(_dir, "w.safetensors");
        source.Save(path, metadata: new Dictionary<string, string> { ["note"] = "hello" });
        Assert.Equal(["first.bias", "first.weight", "scale", "second.bias", "second.weight"],
            Safetensors.Load(path).Tensors.Select(t => t.Name).Order());

        var target = new TwoAffines();
        var metadata = target.Load(path);
        Assert.Equal("hello", metadata["note"]);
        Assert.Equal(source.First.Weight.Value.ToArray(), target.First.Weight.Value.ToArray());
    }

    [Fact]
    public void Bf16_rounds_to_about_three_significant_digits()
    {
        var source = new TwoAffines();
        Init.Normal(source.First.Weight.Value, new LoomRandom(2));
        string path = Path.Combine(_dir, "w16.safetensors");
        source.Save(path, SafetensorsDType.BF16);
        var target = new TwoAffines();
        target.Load(path);
        var (a, b) = (source.First.Weight.Value.ToArray(), target.First.Weight.Value.ToArray());
        for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], Math.Abs(a[i]) / 128);
    }

    [Fact]
    public void Loading_another_architecture_names_the_file_and_the_key()
    {
        string path = Path.Combine(_dir, "small.safetensors");
        new Affine(3).Save(path);
        var e = Assert.Throws<LoomException>(() => new TwoAffines().Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("first.weight", e.Message);
        Assert.Throws<LoomException>(() => new TwoAffines().Load(Path.Combine(_dir, "absent.safetensors")));
    }

    [Fact]
    public void Optimizer_file_without_optimizer_metadata_is_rejected_naming_the_field()
    {
        string path = Path.Combine(_dir, "weights.safetensors");
        var net = new TwoAffines();
        net.Save(path);
        var e = Assert.Throws<LoomException>(() => new Adam(net.NamedParameters()).Load(path));
        Assert.Equal(LoomErrorCode.InvalidFormat, e.Code);
        Assert.Contains("loom.optimizer", e.Message);
    }
}
