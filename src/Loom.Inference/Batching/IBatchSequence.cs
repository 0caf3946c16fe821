namespace Loom.Inference.Batching;

/// <summary>
/// One request's side of continuous batching: the scheduler feeds the prompt, then hands every next-token logit
/// vector to <see cref="Next"/> and feeds back whatever token it returns, until it returns −1. All calls come from
/// the scheduler's loop thread, one at a time, so an implementation needs no locking but must be quick (it holds up
/// every other sequence of the step): sample, push the text to a channel, return.
/// </summary>
public interface IBatchSequence
{
    /// <summary>The prompt tokens (at least one; prompt length below the model's context).</summary>
    IReadOnlyList<int> Prompt { get; }

    /// <summary>Checked before every step: a cancelled sequence leaves at once and <see cref="Completed"/> gets an
    /// <see cref="OperationCanceledException"/>.</summary>
    CancellationToken Cancellation { get; }

    /// <summary>
    /// The logits after the prompt or after the last token fed. Returns the token to feed next, or −1 to end the
    /// sequence. <paramref name="contextFull"/> is true when no further token fits in the context: whatever is
    /// returned then, the sequence ends (a chosen token may still be emitted; it is just not fed).
    /// </summary>
    int Next(ReadOnlySpan<float> logits, bool contextFull);

    /// <summary>Called exactly once when the sequence leaves: null after a normal end, the exception otherwise
    /// (cancellation, a failure of the model step or of <see cref="Next"/>, or the scheduler's disposal).</summary>
    void Completed(Exception? error);
}
