using Loom.Core;
using Loom.Text.Sampling;

namespace Loom.Tests.Text.Sampling;

public class SamplingOptionsTests
{
    [Fact]
    public void Defaults_are_valid_and_turn_every_step_off()
    {
        var options = new SamplingOptions().Validate();
        Assert.Equal(1f, options.Temperature);
        Assert.Equal(0, options.TopK);
        Assert.Equal(1f, options.TopP);
        Assert.Equal(0f, options.MinP);
        Assert.Equal(1f, options.RepetitionPenalty);
        Assert.False(options.IsGreedy);
        Assert.True(SamplingOptions.Greedy.IsGreedy);
    }

    public static TheoryData<SamplingOptions, string, string> Invalid => new()
    {
        { new SamplingOptions { Temperature = -0.5f }, "Temperature", "-0.5" },
        { new SamplingOptions { Temperature = float.NaN }, "Temperature", "NaN" },
        { new SamplingOptions { TopK = -1 }, "TopK", "-1" },
        { new SamplingOptions { TopP = 0f }, "TopP", "0" },
        { new SamplingOptions { TopP = 1.5f }, "TopP", "1.5" },
        { new SamplingOptions { MinP = 1.2f }, "MinP", "1.2" },
        { new SamplingOptions { MinP = -0.1f }, "MinP", "-0.1" },
        { new SamplingOptions { RepetitionPenalty = 0f }, "RepetitionPenalty", "0" },
        { new SamplingOptions { PresencePenalty = 2.5f }, "PresencePenalty", "2.5" },
        { new SamplingOptions { FrequencyPenalty = -3f }, "FrequencyPenalty", "-3" },
        { new SamplingOptions { PenaltyLastN = -2 }, "PenaltyLastN", "-2" },
        { new SamplingOptions { MaxTokens = 0 }, "MaxTokens", "0" },
        { new SamplingOptions { TopLogprobs = 21 }, "TopLogprobs", "21" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [-4] = 1f } }, "LogitBias", "-4" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [3] = 101f } }, "LogitBias[3]", "101" },
        { new SamplingOptions { LogitBias = new Dictionary<int, float> { [3] = float.NaN } }, "LogitBias[3]", "NaN" },
        { new SamplingOptions { StopStrings = ["ok", ""] }, "StopStrings", "entry 1" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Errors_name_the_field_and_the_value(SamplingOptions options, string field, string value)
    {
        var error = Assert.Throws<LoomException>(() => options.Validate());
        Assert.Equal(LoomErrorCode.InvalidArgument, error.Code);
        Assert.Contains($"SamplingOptions.{field}", error.Message);
        Assert.Contains(value, error.Message);
        Assert.Throws<LoomException>(() => new SamplerChain(options)); // the chain validates too
    }

    [Fact]
    public void Range_edges_are_accepted()
    {
        new SamplingOptions
        {
            Temperature = 0f, TopP = 1f, MinP = 1f, PresencePenalty = -2f, FrequencyPenalty = 2f, PenaltyLastN = -1,
            MaxTokens = 1, TopLogprobs = 20,
            LogitBias = new Dictionary<int, float> { [0] = -100f, [1] = 100f, [2] = float.NegativeInfinity },
        }.Validate();
    }

    [Fact]
    public void The_error_gives_the_allowed_range()
    {
        var error = Assert.Throws<LoomException>(() => new SamplingOptions { TopP = 2f }.Validate());
        Assert.Contains("top_p", error.Message);
        Assert.Contains("(0, 1]", error.Message);
    }
}
