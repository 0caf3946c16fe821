namespace Loom.Text.Tokenizers.Gguf;

/// <summary>
/// llama.cpp's way of running several pre-tokenization regexes: each stage splits every piece the previous stage
/// produced (matches and the gaps between them both become pieces), so a later regex never joins across an
/// earlier boundary.
/// </summary>
public sealed class StagedPreTokenizer : PreTokenizer
{
    private readonly PreTokenizer[] _stages;

    public StagedPreTokenizer(params PreTokenizer[] stages)
    {
        if (stages.Length == 0) throw new ArgumentException("at least one stage", nameof(stages));
        _stages = stages;
        Pattern = string.Join(" ⟶ ", stages.Select(s => s.Pattern));
    }

    /// <summary>The stages' patterns in order, joined by " ⟶ " (not itself a regex).</summary>
    public override string Pattern { get; }

    public IReadOnlyList<PreTokenizer> Stages => _stages;

    public override void Split(ReadOnlySpan<char> text, List<int> pieceEnds)
    {
        if (_stages.Length == 1)
        {
            _stages[0].Split(text, pieceEnds);
            return;
        }
        var current = new List<int> { text.Length };
        var next = new List<int>();
        var local = new List<int>();
        foreach (var stage in _stages)
        {
            next.Clear();
            int start = 0;
            foreach (int end in current)
            {
                local.Clear();
                stage.Split(text[start..end], local);
                foreach (int e in local) next.Add(start + e);
                start = end;
            }
            (current, next) = (next, current);
        }
        pieceEnds.AddRange(current);
    }
}
