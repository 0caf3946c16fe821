namespace Loom.Services.Models;

/// <summary>
/// OpenAI request parameters that <see cref="Microsoft.Extensions.AI.ChatOptions"/> has no field for travel in
/// <c>ChatOptions.AdditionalProperties</c> under these keys, and per-token results come back in
/// <c>ChatResponseUpdate.AdditionalProperties</c>. One table, so the server, the engine and the wrappers agree.
/// </summary>
public static class LoomChatOptions
{
    /// <summary>IReadOnlyDictionary&lt;int, float&gt;: token id → bias added to its logit (OpenAI logit_bias, −100..100).</summary>
    public const string LogitBias = "logit_bias";

    /// <summary>bool: return the chosen token's log-probability with each update.</summary>
    public const string Logprobs = "logprobs";

    /// <summary>int 0..20: also return this many most likely alternatives per token.</summary>
    public const string TopLogprobs = "top_logprobs";

    /// <summary>On an update: IReadOnlyList&lt;TokenLogprob&gt; for the tokens the update's text came from.</summary>
    public const string UpdateLogprobs = "loom.logprobs";

    /// <summary>On an update: int prompt tokens / completion tokens so far (also reported as UsageContent at the end).</summary>
    public const string UpdatePromptTokens = "loom.prompt_tokens";
}

/// <summary>One generated token's log-probability, its bytes, and the most likely alternatives.</summary>
public sealed record TokenLogprob(string Token, float Logprob, byte[] Bytes, IReadOnlyList<TokenAlternative> Top);

/// <summary>An alternative token at one position, with its log-probability.</summary>
public sealed record TokenAlternative(string Token, float Logprob, byte[] Bytes);
