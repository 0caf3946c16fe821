using System.Collections.Concurrent;
using Loom.Kernels.Threading;

namespace Loom.Inference.Batching;

/// <summary>
/// The attention of a batched pass: every sequence's query rows over its own KV cache, the sequences spread over the
/// worker pool as ONE job (one wake-up and one join per layer instead of one per sequence; on a loaded machine each
/// join can wait for a descheduled helper). Inside the job each sequence runs <see cref="CausalAttention"/> inline
/// (a nested pool call runs on its caller), whose items are independent, so the bits are those of a lone session.
/// A single sequence keeps CausalAttention's own split over heads.
/// </summary>
internal sealed unsafe class SequenceAttention(LlmConfig c) : IParallelWork
{
    // One scratch set per thread at work (not per sequence): scores grow with the context, so at most a few exist.
    private readonly ConcurrentStack<Scratch> _scratch = new();
    private IReadOnlyList<LlmSession> _sessions = [];
    private int[] _order = [], _rowStart = [], _counts = [];
    private float* _query, _output; // the batch's buffers, set for one Run
    private int _layer;

    /// <summary>Sequence <paramref name="order"/>[j]'s <paramref name="counts"/> rows start at row
    /// <paramref name="rowStart"/>[j] of <paramref name="query"/> ([rows, Hq·Dk]); its output rows go to the same rows
    /// of <paramref name="output"/> ([rows, Hq·Dv]). Keys and values must already be in each cache.</summary>
    public void Run(IReadOnlyList<LlmSession> sessions, int[] order, int[] rowStart, int[] counts, int n, float* query, float* output, int layer)
    {
        (_sessions, _order, _rowStart, _counts, _layer) = (sessions, order, rowStart, counts, layer);
        _query = query;
        _output = output;
        try
        {
            WorkerPool.Shared.For(n, this);
        }
        finally
        {
            _sessions = [];
            _query = _output = null;
        }
    }

    public void Run(int j)
    {
        int i = _order[j], row = _rowStart[j], count = _counts[i], qw = c.QueryWidth, aw = c.AttentionOutputWidth;
        var session = _sessions[i];
        if (!_scratch.TryPop(out var s)) s = new Scratch(new CausalAttention(c));
        try
        {
            if (s.Query.Length < count * qw) s.Query = new float[count * qw];
            if (s.Output.Length < count * aw) s.Output = new float[count * aw];
            new ReadOnlySpan<float>(_query + (long)row * qw, count * qw).CopyTo(s.Query);
            fixed (float* q = s.Query, o = s.Output) s.Attention.Run(q, session.Cache, _layer, o, session.Position, count);
            s.Output.AsSpan(0, count * aw).CopyTo(new Span<float>(_output + (long)row * aw, count * aw));
        }
        finally
        {
            _scratch.Push(s);
        }
    }

    private sealed class Scratch(CausalAttention attention)
    {
        public CausalAttention Attention { get; } = attention;
        public float[] Query { get; set; } = [];
        public float[] Output { get; set; } = [];
    }
}
