namespace Loom.Text;

/// <summary>Loom.Text: tokenizers, chat templates, the sampler chain, constrained decoding.</summary>
internal static class TextInfo
{
}
