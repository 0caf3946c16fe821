using System.Buffers;
using System.Text;
using System.Text.Unicode;
using Loom.Core;

namespace Loom.Training.Text;

/// <summary>Text read from a file or a folder: the content (line ends normalized to \n) and where it came from.</summary>
public sealed record TextData(string Text, string Source, IReadOnlyList<string> Files)
{
    /// <summary>
    /// Reads a UTF-8 text file, or every file of a folder (recursively, in ordinal path order, hidden files skipped)
    /// joined with line breaks. Strict: a file with a NUL byte (binary) or a byte sequence that is not UTF-8 is a
    /// LoomException naming the file and the byte offset; so is a missing path and data with no text at all.
    /// A byte-order mark is dropped and CRLF becomes LF, so the same text gives the same tokens on any OS.
    /// </summary>
    public static TextData Read(string path)
    {
        RequireExists(path);
        List<string> files;
        if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !Path.GetRelativePath(path, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
                .Order(StringComparer.Ordinal).ToList();
            if (files.Count == 0) throw LoomException.Argument($"{path}: the folder holds no text files");
        }

        var text = new StringBuilder();
        foreach (string file in files)
        {
            string content = Decode(file, File.ReadAllBytes(file));
            if (content.Length == 0) continue;
            if (text.Length > 0 && text[^1] != '\n') text.Append('\n');
            text.Append(content);
        }
        if (text.Length == 0 || text.ToString().All(char.IsWhiteSpace))
            throw LoomException.Argument(files.Count == 1 ? $"{path}: the file is empty (no text to train on)" : $"{path}: every file in the folder is empty");
        return new TextData(text.ToString(), path, files);
    }

    /// <summary>Throws the FileNotFound error <see cref="Read"/> gives when <paramref name="path"/> is neither a file nor a folder.</summary>
    public static void RequireExists(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: no such file or folder");
    }

    /// <summary>Strict UTF-8 to a string: the first NUL or invalid sequence is an error naming its byte offset.</summary>
    public static string Decode(string file, ReadOnlySpan<byte> bytes)
    {
        int nul = bytes.IndexOf((byte)0);
        int start = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var body = bytes[start..];
        char[] chars = ArrayPool<char>.Shared.Rent(Math.Max(1, body.Length));
        try
        {
            var status = Utf8.ToUtf16(body, chars, out int read, out int written, replaceInvalidSequences: false);
            if (status == OperationStatus.InvalidData || status == OperationStatus.NeedMoreData)
            {
                long offset = start + read;
                if (nul >= 0 && nul < offset) throw Binary(file, nul);
                throw LoomException.Format(file, $"not valid UTF-8: bad byte 0x{bytes[(int)offset]:X2} at offset {offset}; Loom reads text as UTF-8 (convert the file, e.g. with iconv)");
            }
            if (nul >= 0) throw Binary(file, nul);
            return new string(chars, 0, written).Replace("\r\n", "\n", StringComparison.Ordinal);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static LoomException Binary(string file, int offset) =>
        LoomException.Format(file, $"looks like a binary file (a NUL byte at offset {offset}); expected UTF-8 text");
}
