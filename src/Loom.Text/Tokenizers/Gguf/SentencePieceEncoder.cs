using System.Text;
using Loom.Core;

namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// SentencePiece BPE as llama.cpp runs it (llm_tokenizer_spm): the text starts as one symbol per code point;
/// repeatedly the adjacent pair whose concatenation is a vocabulary token of the highest score merges (leftmost
/// among equal scores); a final symbol that is no token becomes its UTF-8 bytes' <c>&lt;0xXX&gt;</c> tokens.
/// </summary>
internal sealed class SentencePieceEncoder
{
    private readonly GgufVocabulary _vocabulary;
    private readonly int[] _byteIds = new int[256];

    public SentencePieceEncoder(GgufVocabulary vocabulary)
    {
        _vocabulary = vocabulary;
        for (int b = 0; b < 256; b++)
        {
            int id = vocabulary.FindToken($"<0x{b:X2}>");
            // llama.cpp falls back to the byte as a one-character token.
            if (id < 0 && b < 0x80) id = vocabulary.FindToken(((char)b).ToString());
            _byteIds[b] = id;
        }
    }

    private struct Symbol
    {
        public int Start, Length, Prev, Next;
    }

    /// <summary>Appends the ids of <paramref name="text"/>, whose spaces must already be ▁.</summary>
    public void Encode(ReadOnlySpan<char> text, List<int> output)
    {
        if (text.IsEmpty) return;
        var symbols = new List<Symbol>(text.Length);
        for (int i = 0; i < text.Length;)
        {
            int n = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            symbols.Add(new Symbol { Start = i, Length = n, Prev = symbols.Count - 1, Next = i + n < text.Length ? symbols.Count + 1 : -1 });
            i += n;
        }
        var syms = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols);
        // Highest score first; among equal scores the leftmost pair (llama.cpp's bigram comparator).
        var queue = new PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)>(ByScoreThenLeft.Instance);
        for (int i = 1; i < syms.Length; i++) TryAddPair(text, syms, i - 1, i, queue);
        while (queue.TryDequeue(out var pair, out _))
        {
            ref var left = ref syms[pair.Left];
            ref var right = ref syms[pair.Right];
            // A pair is stale once either side merged elsewhere.
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != pair.Size) continue;
            left.Length += right.Length;
            right.Length = 0;
            left.Next = right.Next;
            if (right.Next >= 0) syms[right.Next].Prev = pair.Left;
            TryAddPair(text, syms, left.Prev, pair.Left, queue);
            TryAddPair(text, syms, pair.Left, left.Next, queue);
        }
        Span<byte> utf8 = stackalloc byte[16];
        for (int i = 0; i >= 0; i = syms[i].Next)
        {
            var piece = text.Slice(syms[i].Start, syms[i].Length);
            if (_vocabulary.TryFindToken(piece, out int id))
            {
                output.Add(id);
                continue;
            }
            var bytes = piece.Length * 3 <= utf8.Length ? utf8 : new byte[piece.Length * 3];
            int count = Encoding.UTF8.GetBytes(piece, bytes);
            for (int b = 0; b < count; b++)
            {
                int byteId = _byteIds[bytes[b]];
                if (byteId < 0)
                    throw LoomException.Argument($"{_vocabulary.Source}: byte 0x{bytes[b]:X2} has no <0x{bytes[b]:X2}> token for byte fallback");
                output.Add(byteId);
            }
        }
    }

    private void TryAddPair(ReadOnlySpan<char> text, Span<Symbol> syms, int left, int right,
        PriorityQueue<(int, int, int), (float, int)> queue)
    {
        if (left < 0 || right < 0) return;
        int size = syms[left].Length + syms[right].Length;
        if (!_vocabulary.TryFindToken(text.Slice(syms[left].Start, size), out int id)) return;
        queue.Enqueue((left, right, size), (_vocabulary.Scores[id], left));
    }

    private sealed class ByScoreThenLeft : IComparer<(float Score, int Left)>
    {
        public static readonly ByScoreThenLeft Instance = new();

        public int Compare((float Score, int Left) x, (float Score, int Left) y)
        {
            if (x.Score != y.Score) return x.Score > y.Score ? -1 : 1;
            return x.Left.CompareTo(y.Left);
        }
    }
}
