using Loom.Core;

namespace Loom.Text.Tokenizers;

/// <summary>Where a model directory keeps its tokenizer, and the one entry point that loads any saved tokenizer.</summary>
public static class TokenizerFile
{
    /// <summary>The file <see cref="ITokenizer.Save"/> writes: Hugging Face's tokenizer.json layout.</summary>
    public const string FileName = "tokenizer.json";

    /// <summary>
    /// Loads a tokenizer from a model directory (its tokenizer.json), a tokenizer.json file, or a tiktoken rank
    /// file named after its encoding (cl100k_base.tiktoken).
    /// </summary>
    public static ITokenizer Load(string path)
    {
        if (path.EndsWith(".tiktoken", StringComparison.OrdinalIgnoreCase)) return TiktokenLoader.Load(path);
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file))
            throw new LoomException(LoomErrorCode.FileNotFound,
                Directory.Exists(path) ? $"{path}: no {FileName} in this directory" : $"{path}: tokenizer file not found");
        return HuggingFaceTokenizerLoader.Load(file);
    }
}
