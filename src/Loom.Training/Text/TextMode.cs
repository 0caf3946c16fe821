namespace Loom.Training.Text;

/// <summary>How a text becomes training sequences.</summary>
public enum TextMode
{
    /// <summary>One contiguous text; each example is a random window of context + 1 tokens (nanoGPT).</summary>
    Stream,

    /// <summary>One example per line (names, words, short records): boundary token, the line, boundary token (makemore).</summary>
    Lines,
}
