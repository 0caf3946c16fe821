using System.Text;
using Loom.Text.Sampling;

namespace Loom.Cli;

/// <summary>What one streamed generation produced: its text, why it ended, and the token counts.</summary>
internal sealed record StreamedText(string Text, FinishReason? Finish, int PromptTokens, int CompletionTokens);

/// <summary>The loop every generating verb runs: write each piece's text as soon as it is safe to show, remember the rest.</summary>
internal static class PieceStreamer
{
    /// <param name="onPiece">Called for every piece (the verbs that time or list tokens look at them here).</param>
    public static StreamedText Stream(IEnumerable<GenerationPiece> pieces, TextWriter? stream, Action<GenerationPiece>? onPiece = null)
    {
        var text = new StringBuilder();
        FinishReason? finish = null;
        int promptTokens = 0, completion = 0;
        foreach (var piece in pieces)
        {
            onPiece?.Invoke(piece);
            text.Append(piece.Text);
            if (piece.Text.Length > 0)
            {
                stream?.Write(piece.Text);
                stream?.Flush();
            }
            finish = piece.Finish ?? finish;
            promptTokens = piece.PromptTokens;
            completion = piece.CompletionTokens;
        }
        stream?.WriteLine();
        return new StreamedText(text.ToString(), finish, promptTokens, completion);
    }
}
