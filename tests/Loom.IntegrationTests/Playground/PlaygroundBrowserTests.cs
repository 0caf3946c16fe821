using Microsoft.Playwright;

namespace Loom.IntegrationTests.Playground;

/// <summary>
/// The playground in a real browser (Debian's chromium driven by Playwright) against a real server: the chat reply
/// streams in chunk by chunk with tokens/s shown, and an image model returns a PNG of the model's size.
/// </summary>
public sealed class PlaygroundBrowserTests(PlaygroundFixture fixture) : IClassFixture<PlaygroundFixture>
{
    [ChromiumFact]
    public async Task Chat_streams_and_images_appear_in_the_browser()
    {
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumFactAttribute.Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        await page.GotoAsync(new Uri(fixture.Server.BaseAddress, "/playground").ToString());

        // The picker splits the served models by capability.
        await page.WaitForSelectorAsync($"#text-model option[value='{PlaygroundFixture.Lm}']", new() { State = WaitForSelectorState.Attached });
        Assert.Equal(0, await page.Locator($"#text-model option[value='{PlaygroundFixture.Image}']").CountAsync());
        Assert.Equal(1, await page.Locator($"#image-model option[value='{PlaygroundFixture.Image}']").CountAsync());

        await page.SelectOptionAsync("#text-model", PlaygroundFixture.Lm);
        await page.FillAsync("#max-tokens", "24");
        await page.FillAsync("#seed", "3");
        await page.FillAsync("#message", "the fox");
        await page.ClickAsync("#send");

        // Streaming: the per-chunk counter reaches 2 while the reply grows, and tokens/s becomes a number.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('chunk-count').textContent) >= 2");
        await page.WaitForFunctionAsync("() => !document.getElementById('send').disabled");
        string reply = await page.Locator(".message.assistant .content").Last.TextContentAsync() ?? "";
        int chunks = int.Parse(await page.TextContentAsync("#chunk-count") ?? "0");
        Assert.True(chunks >= 2, $"chunks {chunks}");
        Assert.True(reply.Length >= 2, $"reply '{reply}'");
        Assert.Matches(@"^\d+(\.\d+)?$", await page.TextContentAsync("#tokens-per-second") ?? "");
        Assert.Matches(@"^\d+ ms$", await page.TextContentAsync("#ttft") ?? "");
        Assert.Equal("", await page.TextContentAsync("#chat-error"));

        await page.SelectOptionAsync("#image-model", PlaygroundFixture.Image);
        await page.FillAsync("#image-n", "2");
        await page.FillAsync("#image-seed", "5");
        await page.ClickAsync("#generate");
        await page.WaitForSelectorAsync("#images img:nth-child(2)");
        var images = page.Locator("#images img");
        Assert.Equal(2, await images.CountAsync());
        for (int i = 0; i < 2; i++)
        {
            var img = images.Nth(i);
            Assert.StartsWith("data:image/png;base64,", await img.GetAttributeAsync("src"));
            await page.WaitForFunctionAsync("i => document.querySelectorAll('#images img')[i].complete", i);
            Assert.Equal(PlaygroundFixture.ImageSize, await img.EvaluateAsync<int>("e => e.naturalWidth"));
            Assert.Equal(PlaygroundFixture.ImageSize, await img.EvaluateAsync<int>("e => e.naturalHeight"));
        }
        Assert.Equal("", await page.TextContentAsync("#image-error"));
    }
}
