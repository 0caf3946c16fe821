using Loom.Core;
using Loom.Nn;
using Loom.Tensors;

namespace Loom.Models.Transformer;

/// <summary>
/// A decoder-only language model (Llama or GPT-2 style, see <see cref="TransformerConfig"/>). Parameter names follow
/// Hugging Face Llama ("model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
/// "model.layers.0.mlp.gate_proj.weight", "model.norm.weight", "lm_head.weight"), for both styles, so exporters map
/// one table of names; GPT-2 style adds "model.embed_positions.weight" and biases. With tied embeddings there is no
/// "lm_head.weight": the output layer reuses the token embedding.
/// </summary>
public sealed class TransformerLm : Module
{
    private readonly Linear? _head;

    /// <param name="config">The shape of the model; validated here.</param>
    /// <param name="seed">Seeds the initialization (and, forked from it, the dropout masks).</param>
    public TransformerLm(TransformerConfig config, ulong seed = 0)
    {
        Config = config.Validate();
        var rng = new LoomRandom(seed);
        DropoutRandom = new LoomRandom(seed ^ 0x9E3779B97F4A7C15UL);
        Decoder = AddModule("model", new TransformerDecoder(config, rng));
        if (!config.TiedEmbeddings) _head = AddModule("lm_head", new Linear(config.ModelDim, config.VocabSize, rng, bias: false));
        TransformerInit.Apply(this, config, rng);
    }

    public TransformerConfig Config { get; }

    /// <summary>The decoder ("model.*"): embeddings, blocks and final norm.</summary>
    public TransformerDecoder Decoder { get; }

    /// <summary>
    /// Draws the dropout masks. A trainer that resumes exactly saves and restores its state
    /// (<see cref="LoomRandom.GetState"/>) with the checkpoint when <see cref="TransformerConfig.Dropout"/> &gt; 0.
    /// </summary>
    public LoomRandom DropoutRandom { get; }

    /// <summary>The output matrix [V, d]: lm_head's weight, or the token embedding when tied.</summary>
    public Parameter OutputWeight => _head?.Weight ?? Decoder.TokenEmbedding.Weight;

    /// <summary>
    /// Logits [B, T, V] for tokens [B, T] (row-major) at positions 0 … T − 1. In training mode dropout draws its
    /// masks from <paramref name="dropoutRandom"/>, or from <see cref="DropoutRandom"/> when none is given (a
    /// generator per call lets several threads run forward passes of one model at once).
    /// </summary>
    public Tensor Forward(int[] tokens, int batch, int time, LoomRandom? dropoutRandom = null)
    {
        CheckTokens(tokens, batch, time, startPos: 0);
        LoomRandom? dropout = Training && Config.UsesDropout ? dropoutRandom ?? DropoutRandom : null;
        var hidden = Decoder.Forward(tokens, batch, time, 0, cache: null, dropout, lastOnly: false);
        return Ops.Linear(hidden, OutputWeight);
    }

    /// <summary>Mean next-token cross-entropy (nats) of tokens [B, T] against targets [B, T]; targets equal to
    /// <paramref name="ignoreIndex"/> do not count. Dropout as in <see cref="Forward"/>.</summary>
    public Tensor Loss(int[] tokens, int[] targets, int batch, int time, int ignoreIndex = -100, LoomRandom? dropoutRandom = null)
    {
        if (targets.Length != tokens.Length)
            throw LoomException.Shape("transformer loss", $"{tokens.Length} tokens but {targets.Length} targets");
        return Ops.CrossEntropy(Forward(tokens, batch, time, dropoutRandom), targets, ignoreIndex);
    }

    /// <summary>An inference session over a fresh KV cache for <paramref name="batch"/> sequences decoded in step.</summary>
    public TransformerSession CreateSession(int batch = 1) => new(this, batch);

    /// <summary>Runs tokens [B, T] at startPos through the cache without autograd; logits [B, T, V] or [B, V] for the last position.</summary>
    internal Tensor ForwardCached(int[] tokens, int batch, int time, int startPos, KvCache cache, bool lastOnly)
    {
        CheckTokens(tokens, batch, time, startPos);
        using var _ = GradMode.NoGrad();
        var hidden = Decoder.Forward(tokens, batch, time, startPos, cache, dropout: null, lastOnly);
        var logits = Ops.Linear(hidden, OutputWeight);
        return lastOnly ? logits.Reshape(batch, Config.VocabSize) : logits;
    }

    private void CheckTokens(int[] tokens, int batch, int time, int startPos)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (batch < 1 || time < 1)
            throw LoomException.Argument($"transformer: batch and time must be positive, found batch {batch}, time {time}");
        if (tokens.Length != batch * time)
            throw LoomException.Shape("transformer", $"batch {batch} × time {time} needs {batch * time} tokens, found {tokens.Length}");
        if (startPos + time > Config.ContextLength)
            throw LoomException.Argument(startPos == 0
                ? $"transformer: a sequence of {time} tokens is longer than the context length {Config.ContextLength}"
                : $"transformer: positions {startPos}..{startPos + time - 1} run past the context length {Config.ContextLength}");
        for (int i = 0; i < tokens.Length; i++)
            if ((uint)tokens[i] >= (uint)Config.VocabSize)
                throw LoomException.Argument($"transformer: token id {tokens[i]} at index {i} is outside the vocabulary 0..{Config.VocabSize - 1}");
    }
}
