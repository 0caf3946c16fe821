namespace Loom.IntegrationTests.Server;

/// <summary>A fact that needs ../shared/reference/gguf (the reference GGUF models); skipped with that reason without it.</summary>
public sealed class ReferenceGgufFactAttribute : FactAttribute
{
    public ReferenceGgufFactAttribute()
    {
        if (RealModelFixture.ReferencePath() is null) Skip = "no ../shared/reference/gguf/models/llama-spm2500-q8_0.gguf";
    }
}

/// <summary>A fact that needs the reference Qwen3 GGUF (../shared/reference/gguf); skipped with that reason without it.</summary>
public sealed class ReferenceQwenFactAttribute : FactAttribute
{
    public ReferenceQwenFactAttribute()
    {
        if (RealModelFixture.ReferencePath(RealModelFixture.QwenReference) is null)
            Skip = $"no ../shared/reference/gguf/models/{RealModelFixture.QwenReference}.gguf";
    }
}
