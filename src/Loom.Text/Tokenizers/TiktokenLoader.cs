using System.Buffers.Text;
using System.Text;
using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>
/// Loads tiktoken <c>.tiktoken</c> rank files: one token per line, its bytes in base64, a space, its rank (which is
/// also its id). Merging follows tiktoken exactly (<see cref="MergeRule.ByRank"/>).
/// </summary>
public static class TiktokenLoader
{
    /// <summary>Loads <paramref name="rankFile"/> as the encoding its name says (cl100k_base.tiktoken → cl100k_base).</summary>
    public static BpeTokenizer Load(string rankFile) =>
        Load(rankFile, TiktokenEncoding.ForName(Path.GetFileNameWithoutExtension(rankFile)));

    public static BpeTokenizer Load(string rankFile, TiktokenEncoding encoding)
    {
        var ranks = ReadRanks(rankFile);
        var encoder = BytePairEncoder.FromRanks(ranks, rankFile);
        return new BpeTokenizer($"tiktoken:{encoding.Name}", encoder, PreTokenizer.FromPattern(encoding.Pattern),
            encoding.SpecialTokens);
    }

    /// <summary>The token bytes by rank; null where no line gives a rank.</summary>
    public static List<byte[]?> ReadRanks(string path)
    {
        byte[] data;
        try
        {
            data = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new LoomException(LoomErrorCode.FileNotFound, $"{path}: tiktoken rank file not found", e);
        }
        var ranks = new List<byte[]?>();
        ReadOnlySpan<byte> rest = data;
        int lineNumber = 0;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            int newline = rest.IndexOf((byte)'\n');
            var line = newline < 0 ? rest : rest[..newline];
            rest = newline < 0 ? [] : rest[(newline + 1)..];
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.IsEmpty) continue;
            int space = line.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(line[(space + 1)..], out int rank) || rank < 0)
                throw LoomException.Format(path, $"line {lineNumber}: expected '<base64 token> <rank>', found '{Shorten(line)}'");
            var base64 = line[..space];
            var token = new byte[Base64.GetMaxDecodedFromUtf8Length(base64.Length)];
            if (Base64.DecodeFromUtf8(base64, token, out _, out int written) != System.Buffers.OperationStatus.Done || written == 0)
                throw LoomException.Format(path, $"line {lineNumber}: '{Shorten(base64)}' is not base64 of a non-empty token");
            while (ranks.Count <= rank) ranks.Add(null);
            if (ranks[rank] is not null) throw LoomException.Format(path, $"line {lineNumber}: rank {rank} appears twice");
            ranks[rank] = token[..written];
        }
        if (ranks.Count == 0) throw LoomException.Format(path, "no tokens");
        return ranks;
    }

    private static string Shorten(ReadOnlySpan<byte> line) =>
        Encoding.UTF8.GetString(line.Length > 60 ? line[..60] : line);
}
