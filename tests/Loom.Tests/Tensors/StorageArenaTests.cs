using Loom.Tensors;

namespace Loom.Tests.Tensors;

/// <summary>The arena that recycles op storage between training steps.</summary>
public class StorageArenaTests
{
    [Fact]
    public void Without_an_active_arena_every_array_is_new_and_zeroed()
    {
        var a = StorageArena.New(100);
        var b = StorageArena.New(100);
        Assert.NotSame(a, b);
        Assert.All(a, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void After_reset_the_same_arrays_come_back_zeroed_unless_asked_uninitialized()
    {
        var arena = new StorageArena();
        float[] first, second;
        using (arena.Activate())
        {
            first = StorageArena.New(100);
            second = StorageArena.New(100);
            first.AsSpan().Fill(3f);
            second.AsSpan().Fill(4f);
            Assert.Equal(800, arena.LentBytes);
        }
        arena.Reset();
        Assert.Equal(0, arena.LentBytes);
        Assert.Equal(800, arena.HeldBytes);
        using (arena.Activate())
        {
            var zeroed = StorageArena.New(100);
            var raw = StorageArena.NewUninitialized(100);
            Assert.True(ReferenceEquals(zeroed, first) || ReferenceEquals(zeroed, second));
            Assert.True(ReferenceEquals(raw, first) || ReferenceEquals(raw, second));
            Assert.All(zeroed, v => Assert.Equal(0f, v));
            Assert.NotEqual(0f, raw[0]); // not cleared: the op writes every element itself
            Assert.NotSame(first, StorageArena.New(100)); // a third array of that size is new
        }
    }

    [Fact]
    public void Scopes_nest_and_restore_the_previous_arena()
    {
        var outer = new StorageArena();
        var inner = new StorageArena();
        using (outer.Activate())
        {
            using (inner.Activate()) StorageArena.New(100);
            StorageArena.New(200);
        }
        StorageArena.New(300); // no arena: not counted anywhere
        Assert.Equal(400, inner.LentBytes);
        Assert.Equal(800, outer.LentBytes);
    }

    [Fact]
    public void Past_its_capacity_and_for_tiny_arrays_the_arena_lends_nothing()
    {
        var arena = new StorageArena(capacityBytes: 1000);
        using (arena.Activate())
        {
            StorageArena.New(200); // 800 bytes: lent
            StorageArena.New(200); // would pass 1000: an ordinary array
            StorageArena.New(10);  // below the minimum: ordinary
        }
        Assert.Equal(800, arena.LentBytes);
    }

    [Fact]
    public void Free_arrays_stay_within_their_budget_and_the_first_sizes_stay_pooled()
    {
        // Every step needs 4 MB of a length no other step uses (batches of ever-new lengths): the arena keeps at most
        // max(16 MiB, 4 steps' worth) free, and once full it keeps what it has rather than churning.
        var arena = new StorageArena(capacityBytes: 20_000_000);
        float[] first = [];
        for (int step = 0; step < 10; step++)
        {
            using (arena.Activate())
            {
                var array = StorageArena.New(1_000_000 + step);
                if (step == 0) first = array;
            }
            arena.Reset();
            Assert.True(arena.HeldBytes <= 20_000_000, $"step {step}: {arena.HeldBytes} bytes held");
        }
        Assert.True(arena.HeldBytes >= 16_000_000, "the budget is used");
        using (arena.Activate()) Assert.Same(first, StorageArena.New(1_000_000));
    }

    [Fact]
    public void Op_results_made_in_an_arena_equal_those_made_without_one()
    {
        var rng = new Loom.Core.LoomRandom(3);
        var x = Tensor.Randn(rng, [4, 6, 8]);
        x.RequiresGrad = true;
        var w = Tensor.Randn(rng, [5, 8]);
        w.RequiresGrad = true;
        float[] Run()
        {
            var y = Ops.Silu(Ops.Linear(x, w)) * Ops.Linear(x, w);
            Ops.Sum(Ops.Mul(y, y)).Backward();
            var result = y.ToArray().Concat(x.Grad!.ToArray()).Concat(w.Grad!.ToArray()).ToArray();
            x.ZeroGrad();
            w.ZeroGrad();
            return result;
        }
        var plain = Run();
        var arena = new StorageArena();
        for (int step = 0; step < 3; step++) // the second and third reuse the first step's arrays
        {
            float[] recycled;
            using (arena.Activate()) recycled = Run();
            arena.Reset();
            Assert.Equal(plain, recycled);
        }
    }
}
