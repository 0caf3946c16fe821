using Loom.Server.Endpoints;
using Microsoft.Extensions.AI;

namespace Loom.Tests.Server;

public class ChoiceUsageTests
{
    private static ChoiceAccumulator Choice(long prompt, long completion)
    {
        var choice = new ChoiceAccumulator();
        choice.Add(new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { InputTokenCount = prompt, OutputTokenCount = completion })] });
        return choice;
    }

    [Fact]
    public void N_samples_of_one_prompt_count_the_prompt_once()
    {
        var usage = ChoiceAccumulator.Usage([Choice(7, 3), Choice(7, 5)], choicesPerPrompt: 2);
        Assert.Equal((7L, 8L), usage);
    }

    [Fact]
    public void Several_prompts_add_their_tokens_as_OpenAI_reports_them()
    {
        // /v1/completions with prompt ["…7 tokens…", "…4 tokens…"] and n = 2: choices 0–1 read the first, 2–3 the second.
        var usage = ChoiceAccumulator.Usage([Choice(7, 3), Choice(7, 5), Choice(4, 1), Choice(4, 2)], choicesPerPrompt: 2);
        Assert.Equal((11L, 11L), usage);
    }
}
