using Loom.Text.Tokenizers;

namespace Loom.Tests.Text;

/// <summary>Loads each tiktoken encoding once per test class (a rank file takes a tenth of a second or more).</summary>
public sealed class TiktokenFixture
{
    private readonly Dictionary<string, Lazy<BpeTokenizer>> _encodings = TiktokenEncoding.Known.ToDictionary(
        e => e.Name,
        e => new Lazy<BpeTokenizer>(() => TiktokenLoader.Load(
            TokenizerTestData.SharedPath($"{TokenizerTestData.TiktokenFolder}/{e.Name}.tiktoken"), e)));

    public BpeTokenizer this[string name] => _encodings[name].Value;
}
