using System.Text;
using Loom.Core;

namespace Loom.Training.Images;

/// <summary>
/// A small RFC 4180 reader for captions files: comma-separated fields, fields in double quotes may hold commas,
/// line breaks and doubled quotes (""), CRLF or LF line ends, an optional UTF-8 BOM. Blank lines are skipped.
/// </summary>
public static class CsvRecords
{
    /// <summary>One record and the line it starts on (1-based; the header is line 1).</summary>
    public readonly record struct Record(int Line, string[] Fields);

    public static List<Record> Parse(string text, string file)
    {
        var records = new List<Record>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0;
        bool inQuotes = false, fieldStarted = false;
        if (text.Length > 0 && text[0] == '\uFEFF') i = 1;
        for (; i < text.Length; i++)
        {
            char ch = text[i];
            if (inQuotes)
            {
                if (ch == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                    else inQuotes = false;
                }
                else
                {
                    if (ch == '\n') line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    inQuotes = true;
                    fieldStarted = true;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    fieldStarted = true;
                    break;
                case '\r':
                    break;
                case '\n':
                    EndRecord();
                    line++;
                    recordLine = line;
                    break;
                default:
                    field.Append(ch);
                    fieldStarted = true;
                    break;
            }
        }
        if (inQuotes) throw LoomException.Format(file, $"line {recordLine}: a quoted field is never closed");
        EndRecord();
        return records;

        void EndRecord()
        {
            if (!fieldStarted && fields.Count == 0 && field.Length == 0) return; // blank line
            fields.Add(field.ToString());
            records.Add(new Record(recordLine, fields.ToArray()));
            fields.Clear();
            field.Clear();
            fieldStarted = false;
        }
    }
}
