using System.Text;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Trains a byte-level BPE vocabulary: the corpus is cut at special tokens and pre-tokenized, identical pieces are
/// counted once with their frequency, and the most frequent adjacent pair (ties: the smallest pair of ids) is
/// merged into a new token until the vocabulary is full. Pair counts are updated incrementally — only words that
/// contain the merged pair are touched — and a lazy max-heap finds the next pair, so a few megabytes train in
/// seconds. The result is deterministic: the same corpus and options give the same merges on any machine.
/// </summary>
public static class BpeTrainer
{
    public static BpeTokenizer TrainFile(string path, BpeTrainerOptions options, CancellationToken cancellationToken = default)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: corpus file not found", e);
        }
        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw LoomException.Format(path, $"not valid UTF-8 (first bad byte at offset {e.Index}); BPE trains on text");
        }
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        return Train(text, options, cancellationToken);
    }

    public static BpeTokenizer Train(string corpus, BpeTrainerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(options);
        int specials = options.SpecialTokens.Count;
        int targetMerges = options.VocabSize - 256 - specials;
        if (targetMerges < 0)
            throw LoomException.Argument(
                $"BPE trainer: vocabulary size {options.VocabSize} is below the 256 byte tokens + {specials} special tokens");
        if (options.MinPairFrequency < 1)
            throw LoomException.Argument($"BPE trainer: MinPairFrequency must be at least 1, found {options.MinPairFrequency}");
        if (corpus.Length == 0) throw LoomException.Argument("BPE trainer: the corpus is empty");

        var preTokenizer = PreTokenizer.FromPattern(options.Pattern);
        var specialIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < specials; i++) specialIds[options.SpecialTokens[i]] = 256 + targetMerges + i;

        var state = new TrainingState(CountPieces(corpus, preTokenizer, specialIds));
        var tokens = new List<byte[]?>(options.VocabSize);
        for (int b = 0; b < 256; b++) tokens.Add([(byte)b]);
        var merges = new List<(int, int)>(targetMerges);
        var idOfBytes = new Dictionary<string, int>(StringComparer.Ordinal); // Latin-1 view of token bytes
        for (int b = 0; b < 256; b++) idOfBytes[((char)b).ToString()] = b;

        while (tokens.Count < 256 + targetMerges)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!state.TryTakeBestPair(options.MinPairFrequency, out int left, out int right))
                throw LoomException.Argument(
                    $"BPE trainer: a vocabulary of {options.VocabSize} needs {targetMerges} merges, but this data allows only "
                    + $"{tokens.Count - 256} (no pair left that occurs at least {options.MinPairFrequency} times); use a "
                    + $"vocabulary of at most {tokens.Count + specials}, or more data");
            byte[] joined = [.. tokens[left]!, .. tokens[right]!];
            string key = Latin1(joined);
            // Two different pairs can spell the same bytes ("ab"+"c", "a"+"bc"): the second reuses the first's id.
            if (!idOfBytes.TryGetValue(key, out int merged))
            {
                merged = tokens.Count;
                tokens.Add(joined);
                idOfBytes[key] = merged;
            }
            merges.Add((left, right));
            state.Merge(left, right, merged);
            if (merges.Count % 64 == 0) options.Progress?.Report(merges.Count);
        }
        options.Progress?.Report(merges.Count);
        var encoder = BytePairEncoder.FromMerges(tokens, merges, ignoreMerges: false, "BPE trainer");
        return new BpeTokenizer("bpe", encoder, preTokenizer, specialIds);
    }

    /// <summary>Distinct pieces of the corpus (special tokens cut out) with how often each occurs.</summary>
    private static Dictionary<string, long> CountPieces(string corpus, PreTokenizer preTokenizer,
        IReadOnlyDictionary<string, int> specials)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        var lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        var matcher = new SpecialTokenMatcher(specials);
        var ends = new List<int>();
        ReadOnlySpan<char> rest = corpus;
        while (rest.Length > 0)
        {
            ReadOnlySpan<char> segment = rest;
            if (matcher.TryFind(rest, out int index, out int length, out _))
            {
                segment = rest[..index];
                rest = rest[(index + length)..];
            }
            else rest = [];
            ends.Clear();
            preTokenizer.Split(segment, ends);
            int start = 0;
            foreach (int end in ends)
            {
                var piece = segment[start..end];
                lookup[piece] = lookup.TryGetValue(piece, out long n) ? n + 1 : 1;
                start = end;
            }
        }
        return counts;
    }

    private static string Latin1(byte[] bytes) => string.Create(bytes.Length, bytes, (chars, b) =>
    {
        for (int i = 0; i < b.Length; i++) chars[i] = (char)b[i];
    });

    /// <summary>The words (distinct pieces as symbol ids), pair counts, which words hold each pair, and the heap.</summary>
    private sealed class TrainingState
    {
        private readonly List<int[]> _words = [];
        private readonly List<long> _frequency = [];
        private readonly Dictionary<long, long> _pairCount = new(PairKeyComparer.Instance);
        private readonly Dictionary<long, List<int>> _wordsWithPair = new(PairKeyComparer.Instance);
        // Max count first, then the smallest (left, right): a total order, so training is deterministic.
        private readonly PriorityQueue<long, (long NegativeCount, long Pair)> _heap = new();

        public TrainingState(Dictionary<string, long> pieces)
        {
            foreach (var (piece, frequency) in pieces)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(piece);
                if (bytes.Length < 2) continue; // a single byte never takes part in a pair
                int w = _words.Count;
                _words.Add([.. bytes.Select(b => (int)b)]);
                _frequency.Add(frequency);
                AddPairs(w, +1, newToken: -1);
            }
            foreach (var (pair, count) in _pairCount) _heap.Enqueue(pair, (-count, pair));
        }

        public bool TryTakeBestPair(int minFrequency, out int left, out int right)
        {
            while (_heap.TryDequeue(out long pair, out var priority))
            {
                long count = _pairCount.GetValueOrDefault(pair);
                if (count != -priority.NegativeCount)
                {
                    // Stale: the count fell since this entry was queued. Queue it again with the true count.
                    if (count >= minFrequency) _heap.Enqueue(pair, (-count, pair));
                    continue;
                }
                if (count < minFrequency) break;
                left = (int)(pair >> 32);
                right = (int)pair;
                return true;
            }
            left = right = -1;
            return false;
        }

        /// <summary>Replaces every (left, right) in every word holding it by <paramref name="merged"/>,
        /// left to right, and updates the pair counts of those words.</summary>
        public void Merge(int left, int right, int merged)
        {
            long key = Key(left, right);
            if (!_wordsWithPair.Remove(key, out var holders)) return;
            var touched = new HashSet<long>(PairKeyComparer.Instance);
            foreach (int w in holders)
            {
                int[] word = _words[w];
                if (!Contains(word, left, right)) continue; // listed when the word still had the pair
                AddPairs(w, -1, newToken: -1);
                var replaced = new List<int>(word.Length);
                for (int i = 0; i < word.Length; i++)
                {
                    if (i + 1 < word.Length && word[i] == left && word[i + 1] == right)
                    {
                        replaced.Add(merged);
                        i++;
                    }
                    else replaced.Add(word[i]);
                }
                _words[w] = [.. replaced];
                AddPairs(w, +1, merged, touched);
            }
            // Pairs with the new token are the only ones whose counts rose: queue them with their new counts.
            foreach (long pair in touched)
            {
                long count = _pairCount.GetValueOrDefault(pair);
                if (count > 0) _heap.Enqueue(pair, (-count, pair));
            }
        }

        private void AddPairs(int w, int sign, int newToken, HashSet<long>? touched = null)
        {
            int[] word = _words[w];
            long frequency = _frequency[w] * sign;
            for (int i = 0; i + 1 < word.Length; i++)
            {
                long pair = Key(word[i], word[i + 1]);
                long count = _pairCount.GetValueOrDefault(pair) + frequency;
                if (count == 0) _pairCount.Remove(pair);
                else _pairCount[pair] = count;
                if (sign < 0) continue;
                if (newToken < 0 || word[i] == newToken || word[i + 1] == newToken)
                {
                    touched?.Add(pair);
                    if (!_wordsWithPair.TryGetValue(pair, out var list)) _wordsWithPair[pair] = list = [];
                    if (list.Count == 0 || list[^1] != w) list.Add(w);
                }
            }
        }

        private static bool Contains(int[] word, int left, int right)
        {
            for (int i = 0; i + 1 < word.Length; i++)
                if (word[i] == left && word[i + 1] == right) return true;
            return false;
        }

        private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
    }

    /// <summary>long's own hash is high ^ low, which sends (1, 2), (2, 1) and (3, 0) to one bucket; mix instead.</summary>
    private sealed class PairKeyComparer : IEqualityComparer<long>
    {
        public static readonly PairKeyComparer Instance = new();

        public bool Equals(long x, long y) => x == y;

        public int GetHashCode(long key) => (int)(((ulong)key * 0x9E3779B97F4A7C15UL) >> 32);
    }
}
