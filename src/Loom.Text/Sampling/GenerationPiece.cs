namespace Loom.Text.Sampling;

/// <summary>
/// One step of a streamed generation. Every generated token gives one piece (<see cref="Token"/> set; its
/// <see cref="Text"/> may be empty while text is held back); the last piece has <see cref="Token"/> null,
/// <see cref="Finish"/> set and any text released at the end.
/// </summary>
/// <param name="Text">Text safe to show now (never part of a stop string).</param>
/// <param name="Token">The generated token, or null on the final piece.</param>
/// <param name="Logprobs">The token's log-probabilities when <see cref="SamplingOptions.TopLogprobs"/> is set.</param>
/// <param name="Finish">Why generation ended; null on all but the final piece.</param>
/// <param name="PromptTokens">Tokens in the prompt.</param>
/// <param name="CompletionTokens">Tokens generated so far (an end-of-sequence token is not counted).</param>
public sealed record GenerationPiece(
    string Text, int? Token, SampledToken? Logprobs, FinishReason? Finish, int PromptTokens, int CompletionTokens);
