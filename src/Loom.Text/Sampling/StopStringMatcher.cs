using Loom.Core;

namespace Loom.Text.Sampling;

/// <summary>What <see cref="StopStringMatcher.Push"/> found: the text now safe to show, and whether a stop string
/// ended the generation (the stop string itself and anything after it are never in <see cref="Text"/>).</summary>
public readonly record struct StopMatch(string Text, bool Stopped);

/// <summary>
/// Finds stop strings in text that arrives in pieces (one per token), holding back any tail that could still be the
/// start of a stop string, so streamed output never shows part of one. Matching is ordinal (exact characters).
/// Not thread-safe: one per stream.
/// </summary>
public sealed class StopStringMatcher
{
    private readonly string[] _stops;
    private string _held = "";

    public StopStringMatcher(IEnumerable<string> stopStrings)
    {
        _stops = [.. stopStrings];
        foreach (string stop in _stops)
        {
            if (string.IsNullOrEmpty(stop)) throw LoomException.Argument("StopStringMatcher: a stop string is empty; each needs at least one character");
        }
    }

    /// <summary>True once a stop string was found; later pieces are ignored.</summary>
    public bool Stopped { get; private set; }

    /// <summary>The text being held back because it may start a stop string.</summary>
    public string Held => _held;

    /// <summary>Adds the next piece of text and returns what can be emitted now.</summary>
    public StopMatch Push(string piece)
    {
        if (Stopped) return new StopMatch("", true);
        if (_stops.Length == 0) return new StopMatch(piece, false);
        string text = _held + piece;
        // The held tail never contains a whole stop string, so searching the joined text finds the earliest one.
        int stopAt = -1;
        foreach (string stop in _stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (stopAt < 0 || at < stopAt)) stopAt = at;
        }
        if (stopAt >= 0)
        {
            Stopped = true;
            _held = "";
            return new StopMatch(text[..stopAt], true);
        }
        int hold = LongestStopPrefixAtEnd(text);
        _held = text[(text.Length - hold)..];
        return new StopMatch(text[..(text.Length - hold)], false);
    }

    /// <summary>Ends the stream without a stop: the held-back text was not a stop string after all.</summary>
    public string Flush()
    {
        string rest = Stopped ? "" : _held;
        _held = "";
        return rest;
    }

    /// <summary>Forgets everything, for a new stream.</summary>
    public void Reset()
    {
        _held = "";
        Stopped = false;
    }

    // The length of the longest end of `text` that is a proper prefix of some stop string.
    private int LongestStopPrefixAtEnd(string text)
    {
        int longest = 0;
        foreach (string stop in _stops)
        {
            for (int length = Math.Min(stop.Length - 1, text.Length); length > longest; length--)
            {
                if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                {
                    longest = length;
                    break;
                }
            }
        }
        return longest;
    }
}
