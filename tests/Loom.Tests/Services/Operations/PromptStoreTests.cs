using Loom.Core;
using Loom.Services.Operations.Prompts;
using Loom.Services.Operations.Storage;

namespace Loom.Tests.Services.Operations;

public class PromptStoreTests
{
    [Fact]
    public async Task Create_AddsVersions_GetReturnsLatestOrAskedVersion()
    {
        using var temp = new TempFolder();
        var store = new PromptStore(DataDirectory.OpenSqlite(temp.Path));
        var v1 = await store.CreateAsync("greet", [new("user", "Hello {{name}}")]);
        var v2 = await store.CreateAsync("greet", [new("system", "Be {{tone}}."), new("user", "Hi {{ name }}, {{name}}!")], "friendlier");
        await store.CreateAsync("other", [new("user", "x")]);
        Assert.Equal((1, 2), (v1.Version, v2.Version));
        Assert.Equal(["tone", "name"], v2.Variables);

        Assert.Equal(2, (await store.GetAsync("greet")).Version);
        Assert.Equal("Hello {{name}}", (await store.GetAsync("greet", 1)).Messages[0].Content);
        Assert.Equal(["greet", "other"], (await store.ListAsync()).Select(t => t.Id));
        Assert.Equal([2, 1], (await store.ListAsync()).Select(t => t.Version));
        Assert.Equal([1, 2], (await store.VersionsAsync("greet")).Select(t => t.Version));

        Assert.Contains("version 3", (await Assert.ThrowsAsync<PromptNotFoundException>(() => store.GetAsync("greet", 3))).Message);
        Assert.Contains("'nope'", (await Assert.ThrowsAsync<PromptNotFoundException>(() => store.GetAsync("nope"))).Message);
    }

    [Fact]
    public async Task Render_FillsEveryPlaceholder_AndAMissingOneIsNamed()
    {
        using var temp = new TempFolder();
        var store = new PromptStore(DataDirectory.OpenSqlite(temp.Path));
        await store.CreateAsync("greet", [new("system", "Be {{tone}}."), new("user", "Hi {{ name }}, {{name}}! {{x}}")]);
        var rendered = await store.RenderAsync("greet", null, new Dictionary<string, string> { ["tone"] = "brief", ["name"] = "{{tone}}", ["x"] = "" });
        Assert.Equal([new PromptMessage("system", "Be brief."), new PromptMessage("user", "Hi {{tone}}, {{tone}}! ")], rendered);

        var e = await Assert.ThrowsAsync<LoomException>(() => store.RenderAsync("greet", 1, new Dictionary<string, string> { ["tone"] = "x" }));
        Assert.Contains("'name'", e.Message);
        Assert.Contains("'x'", e.Message);
        Assert.DoesNotContain("'tone'", e.Message);
    }

    [Fact]
    public async Task Create_RejectsBadIdsAndRoles()
    {
        using var temp = new TempFolder();
        var store = new PromptStore(DataDirectory.OpenSqlite(temp.Path));
        await Assert.ThrowsAsync<LoomException>(() => store.CreateAsync("has space", [new("user", "x")]));
        await Assert.ThrowsAsync<LoomException>(() => store.CreateAsync("ok", [new("robot", "x")]));
        await Assert.ThrowsAsync<LoomException>(() => store.CreateAsync("ok", []));
    }
}
