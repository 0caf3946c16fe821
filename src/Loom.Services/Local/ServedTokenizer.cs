using Loom.Services.Models;

namespace Loom.Services.Local;

/// <summary><see cref="IServedTokenizer"/> from two delegates (GGUF and Loom tokenizers differ in how BOS is added).</summary>
internal sealed class ServedTokenizer(Func<string, bool, int[]> encode, Func<int[], string> decode) : IServedTokenizer
{
    public int[] Encode(string text, bool addSpecial) => encode(text, addSpecial);

    public string Decode(ReadOnlySpan<int> tokens) => decode(tokens.ToArray());
}
