using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.Training.Trainer;

/// <summary>
/// The JSONL metrics log (<c>metrics.jsonl</c>): one object per optimizer step — step, loss, lr, gradNorm,
/// items/s, elapsed seconds, and the validation figures on steps that evaluated. Each line is flushed as it is
/// written, so a crash loses at most the line in progress.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    private readonly StreamWriter? _writer;

    private MetricsLog(StreamWriter? writer) => _writer = writer;

    /// <summary>A log that writes nothing (runs without an output directory).</summary>
    public static MetricsLog None { get; } = new(null);

    /// <summary>
    /// Opens the log in <paramref name="directory"/>. A fresh run starts it empty; a resumed one keeps the lines up
    /// to <paramref name="keepThroughStep"/> and drops later ones (steps after the checkpoint, which the resumed run
    /// repeats), so the log reads as one uninterrupted run.
    /// </summary>
    public static MetricsLog Open(string directory, long? keepThroughStep)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        var kept = new StringBuilder();
        if (keepThroughStep is { } last && File.Exists(path))
        {
            foreach (string line in File.ReadLines(path))
            {
                if (StepOf(line) is { } step && step <= last) kept.Append(line).Append('\n');
            }
        }
        var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        writer.Write(kept.ToString());
        writer.Flush();
        return new MetricsLog(writer);
    }

    public void Write(JsonObject record)
    {
        if (_writer is null) return;
        _writer.WriteLine(record.ToJsonString());
        _writer.Flush();
    }

    /// <summary>Every record of a metrics log, in order (for tests and tools).</summary>
    public static List<JsonObject> Read(string path) =>
        File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    // A line that does not parse (torn by a crash) has no step and is dropped.
    private static long? StepOf(string line)
    {
        try
        {
            return JsonNode.Parse(line)?["step"]?.GetValue<long>();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    public void Dispose() => _writer?.Dispose();
}
