using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

/// <summary>tiktoken's merge rule in its plainest form, as a reference: merge the adjacent pair whose joined bytes
/// have the lowest rank, leftmost first, until none is a token.</summary>
internal static class NaiveBpe
{
    public static int[] Encode(BytePairEncoder ranks, byte[] piece)
    {
        var parts = piece.Select(b => new[] { b }).ToList();
        while (true)
        {
            int best = int.MaxValue, at = -1;
            for (int i = 0; i + 1 < parts.Count; i++)
            {
                int rank = ranks.FindToken([.. parts[i], .. parts[i + 1]]);
                if (rank >= 0 && rank < best) (best, at) = (rank, i);
            }
            if (at < 0) break;
            parts[at] = [.. parts[at], .. parts[at + 1]];
            parts.RemoveAt(at + 1);
        }
        return [.. parts.Select(p => ranks.FindToken(p))];
    }
}
