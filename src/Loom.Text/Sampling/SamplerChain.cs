using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>
/// Chooses next tokens: a fixed chain of <see cref="ISamplerStep"/>s built from <see cref="SamplingOptions"/>, plus the
/// sequence's state (recent-token history, seeded random stream). Steps that are off are left out of the chain.
/// </summary>
/// <remarks>
/// <para>Order: logit bias → penalties → top-k → top-p → min-p → temperature → pick (greedy when T = 0, else a draw).
/// Bias and penalties edit the raw logits first, so a ban holds and penalties act on the model's own scale. The three
/// truncations then decide which tokens are plausible from the model's unscaled (T = 1) distribution, and temperature
/// only reshapes the survivors: a high temperature makes the output more varied but cannot bring back tokens the model
/// itself found implausible (this is what makes min-p robust at high T). Top-k runs before top-p so top-p sorts only k
/// tokens. This is llama.cpp's default order (logit bias, penalties, [dry, top-n-σ], top-k, [typical], top-p, min-p,
/// [xtc], temperature, dist) without the steps Loom lacks; Hugging Face transformers instead applies temperature
/// before top-k/top-p, so there the temperature also changes which tokens survive.</para>
/// <para>Several samples: <see cref="Fork"/>(i) gives sample i its own chain whose random stream starts from Seed + i
/// (the seed drawn at construction when none was given), so sample 0 of n is the same text a single seeded request
/// gives, and every sample is reproducible on its own.</para>
/// <para>Not thread-safe: one chain per sequence. After the first call <see cref="Sample"/> allocates nothing.</para>
/// </remarks>
public sealed class SamplerChain
{
    private readonly ISamplerStep[] _steps;
    private readonly TokenCandidates _candidates = new();
    private readonly SamplerContext _context;
    private float[] _scratch = [];

    public SamplerChain(SamplingOptions options)
        : this(options.Validate(), BuildSteps(options), options.Seed ?? (ulong)Random.Shared.NextInt64(), null, null)
    {
    }

    private SamplerChain(SamplingOptions options, ISamplerStep[] steps, ulong seed, TokenHistory? history, LoomRandom? random)
    {
        Options = options;
        _steps = steps;
        Seed = seed;
        _context = new SamplerContext(random ?? new LoomRandom(seed), history ?? new TokenHistory(PenaltyWindow(options)));
    }

    public SamplingOptions Options { get; }

    /// <summary>The seed this chain's random stream started from (Options.Seed, or a drawn one, plus any fork index).</summary>
    public ulong Seed { get; }

    public IReadOnlyList<ISamplerStep> Steps => _steps;

    /// <summary>The tokens the penalties currently look at.</summary>
    public TokenHistory History => _context.History;

    /// <summary>The canonical chain for <paramref name="options"/> (see the remarks for the order and why).</summary>
    public static ISamplerStep[] BuildSteps(SamplingOptions options)
    {
        options.Validate();
        var steps = new List<ISamplerStep>();
        if (options.LogitBias is { Count: > 0 } bias) steps.Add(new LogitBiasStep(bias));
        if (PenaltyWindow(options) != 0)
            steps.Add(new PenaltiesStep(options.RepetitionPenalty, options.PresencePenalty, options.FrequencyPenalty));
        if (options.IsGreedy)
        {
            // Truncation and temperature never change the arg-max, so greedy skips them.
            steps.Add(new GreedyPick());
            return [.. steps];
        }
        if (options.TopK > 0) steps.Add(new TopKStep(options.TopK));
        if (options.TopP < 1f) steps.Add(new TopPStep(options.TopP));
        if (options.MinP > 0f) steps.Add(new MinPStep(options.MinP));
        if (options.Temperature != 1f) steps.Add(new TemperatureStep(options.Temperature));
        steps.Add(new DistributionPick());
        return [.. steps];
    }

    /// <summary>Chooses the next token from <paramref name="logits"/> (one per vocabulary token). It does not record
    /// the token: call <see cref="Accept"/> with the token actually used.</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        _candidates.Load(logits);
        foreach (ISamplerStep step in _steps) step.Apply(_candidates, _context);
        if (_candidates.Selected < 0)
            throw new LoomException(LoomErrorCode.Internal, "SamplerChain: the chain ended without a pick step");
        return _candidates.Selected;
    }

    /// <summary><see cref="Sample"/>, plus the chosen token's log-probability and the <paramref name="topLogprobs"/>
    /// most likely tokens, from the log-softmax of the original <paramref name="logits"/>.</summary>
    public SampledToken SampleWithLogprobs(ReadOnlySpan<float> logits, int topLogprobs)
    {
        if (topLogprobs < 0) throw LoomException.Argument($"SamplerChain: topLogprobs must be 0 or more, found {topLogprobs}");
        int token = Sample(logits);
        double logSumExp = Logprobs.LogSumExp(logits, ref _scratch);
        var top = new TokenLogprob[Math.Min(topLogprobs, logits.Length)];
        Logprobs.Top(logits, logSumExp, top);
        return new SampledToken(token, (float)(logits[token] - logSumExp), top);
    }

    /// <summary>Records a token of the sequence (prompt or generated) for the penalties.</summary>
    public void Accept(int token) => _context.History.Accept(token);

    /// <summary>Forgets the history and restarts the random stream from <see cref="Seed"/>, so a reset chain repeats
    /// itself exactly.</summary>
    public void Reset()
    {
        _context.History.Clear();
        _context.Random = new LoomRandom(Seed);
    }

    /// <summary>The chain for sample <paramref name="sampleIndex"/> of n: the same steps and history, a fresh random
    /// stream from Seed + sampleIndex. Fork(0) of a fresh chain draws exactly what the chain itself would.</summary>
    public SamplerChain Fork(int sampleIndex)
    {
        if (sampleIndex < 0) throw LoomException.Argument($"SamplerChain.Fork: sampleIndex must be 0 or more, found {sampleIndex}");
        return new SamplerChain(Options, _steps, unchecked(Seed + (ulong)sampleIndex), _context.History.Clone(), null);
    }

    /// <summary>An exact copy, random stream position included: both copies continue identically.</summary>
    public SamplerChain Clone()
    {
        var random = new LoomRandom(0);
        random.SetState(_context.Random.GetState());
        return new SamplerChain(Options, _steps, Seed, _context.History.Clone(), random);
    }

    private static int PenaltyWindow(SamplingOptions options)
    {
        bool any = options.RepetitionPenalty != 1f || options.PresencePenalty != 0f || options.FrequencyPenalty != 0f;
        return any ? options.PenaltyLastN : 0;
    }
}
