using Loom.Core;

namespace Loom.Training.Images;

/// <summary>
/// A captions CSV: a header row, a <c>file</c> column and a caption column (<c>caption</c> if there is one, else
/// <c>name</c>, or the one named explicitly). File paths resolve relative to the CSV's folder first, then to the image
/// folder; a row whose file exists in neither is an error naming the CSV, the row and the path.
/// </summary>
public static class ImageCaptions
{
    /// <summary>Caption by full path of the image file.</summary>
    public static Dictionary<string, string> Load(string csvPath, string imageFolder, string? captionColumn = null)
    {
        if (!File.Exists(csvPath)) throw new LoomException(LoomErrorCode.FileNotFound, $"{csvPath}: captions CSV not found");
        var records = CsvRecords.Parse(File.ReadAllText(csvPath), csvPath);
        if (records.Count == 0) throw LoomException.Format(csvPath, "the captions CSV is empty; expected a header row with a 'file' column");
        var header = records[0].Fields.Select(h => h.Trim()).ToArray();
        int fileColumn = Column(header, "file");
        if (fileColumn < 0)
            throw LoomException.Format(csvPath, $"no 'file' column in the header (found: {string.Join(", ", header)})");
        int textColumn = captionColumn is not null ? Column(header, captionColumn)
            : Column(header, "caption") is var c and >= 0 ? c : Column(header, "name");
        if (textColumn < 0)
            throw LoomException.Format(csvPath, captionColumn is not null
                ? $"no '{captionColumn}' column in the header (found: {string.Join(", ", header)})"
                : $"no caption column: expected 'caption' or 'name' in the header (found: {string.Join(", ", header)})");

        string csvFolder = Path.GetDirectoryName(Path.GetFullPath(csvPath)) ?? ".";
        string imageRoot = Path.GetFullPath(imageFolder);
        var captions = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var record in records.Skip(1))
        {
            var fields = record.Fields;
            if (fields.Length <= Math.Max(fileColumn, textColumn))
                throw LoomException.Format(csvPath, $"row at line {record.Line}: {fields.Length} fields, the header has {header.Length}");
            string file = fields[fileColumn].Trim();
            if (file.Length == 0) throw LoomException.Format(csvPath, $"row at line {record.Line}: empty 'file' field");
            string? found = Resolve(csvFolder, file) ?? Resolve(imageRoot, file);
            if (found is null)
                throw LoomException.Format(csvPath, $"row at line {record.Line} names '{file}', which exists neither beside the CSV ({csvFolder}) nor in the image folder ({imageRoot})");
            captions.TryAdd(found, fields[textColumn]);
        }
        return captions;
    }

    private static string? Resolve(string folder, string file)
    {
        string full = Path.GetFullPath(Path.Combine(folder, file));
        return File.Exists(full) ? full : null;
    }

    private static int Column(string[] header, string name) =>
        Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
}
