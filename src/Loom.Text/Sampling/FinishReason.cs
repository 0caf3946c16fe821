namespace Loom.Text.Sampling;

/// <summary>Why a generation ended.</summary>
public enum FinishReason
{
    /// <summary>A stop string appeared (it is not part of the output).</summary>
    Stop,
    /// <summary>MaxTokens were generated, or the model's context is full.</summary>
    Length,
    /// <summary>The model produced an end-of-sequence token (OpenAI reports this as "stop" too).</summary>
    EndOfSequence,
}

public static class FinishReasonExtensions
{
    /// <summary>"stop", "length" or "eos": the CLI's and logs' wording.</summary>
    public static string ToWireName(this FinishReason reason) => reason switch
    {
        FinishReason.Stop => "stop",
        FinishReason.Length => "length",
        FinishReason.EndOfSequence => "eos",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };
}
