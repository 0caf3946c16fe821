using System.Text;
using Loom.Core;
using Loom.Services.Operations.Keys;
using Loom.Services.Operations.Storage;

namespace Loom.Tests.Services.Operations;

public class ApiKeyStoreTests
{
    [Fact]
    public async Task Create_StoresOnlyTheHash_AndVerifiesTheKey()
    {
        using var temp = new TempFolder();
        var store = new ApiKeyStore(DataDirectory.OpenSqlite(temp.Path));
        var created = await store.CreateAsync("alice", ["chat"], ["m1"], 5, 1000);

        Assert.StartsWith(ApiKeyStore.KeyPrefix, created.Key);
        Assert.True(created.Key.Length >= ApiKeyStore.KeyPrefix.Length + 43, "32 random bytes in base64url are 43 characters");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        string stored = string.Concat(Directory.GetFiles(temp.Path).Select(f => Encoding.Latin1.GetString(File.ReadAllBytes(f))));
        Assert.DoesNotContain(created.Key[ApiKeyStore.KeyPrefix.Length..], stored);
        Assert.Contains(ApiKeyStore.Hash(created.Key), stored);

        var verified = await store.VerifyAsync(created.Key);
        Assert.NotNull(verified);
        Assert.Equal(created.Record.Id, verified.Id);
        Assert.Equal(["chat"], verified.Scopes);
        Assert.Equal(["m1"], verified.Models);
        Assert.Equal(5, verified.RequestsPerMinute);
        Assert.Equal(1000, verified.TokensPerMinute);
    }

    [Fact]
    public async Task Verify_RefusesNearMissesAndRevokedKeys()
    {
        using var temp = new TempFolder();
        var store = new ApiKeyStore(DataDirectory.OpenSqlite(temp.Path));
        var a = await store.CreateAsync("a");
        var b = await store.CreateAsync("b");
        char last = a.Key[^1];
        Assert.Null(await store.VerifyAsync(a.Key[..^1] + (last == 'A' ? 'B' : 'A')));
        Assert.Null(await store.VerifyAsync(""));
        Assert.Null(await store.VerifyAsync(null));

        var revoked = await store.RevokeAsync("a");
        Assert.Equal(a.Record.Id, revoked.Id);
        Assert.Null(await store.VerifyAsync(a.Key));
        Assert.Equal(b.Record.Id, (await store.VerifyAsync(b.Key))!.Id);

        var list = await store.ListAsync();
        Assert.Equal(["a", "b"], list.Select(k => k.Name));
        Assert.True(list[0].IsRevoked);
        Assert.False(list[1].IsRevoked);
        Assert.True(await store.AnyActiveAsync());
        await store.RevokeAsync(b.Record.Id);
        Assert.False(await store.AnyActiveAsync());
    }

    [Fact]
    public async Task Create_RejectsUnknownScopes_DuplicateNames_AndUnknownRevokes()
    {
        using var temp = new TempFolder();
        var store = new ApiKeyStore(DataDirectory.OpenSqlite(temp.Path));
        var e = await Assert.ThrowsAsync<LoomException>(() => store.CreateAsync("x", ["chat", "root"]));
        Assert.Contains("'root'", e.Message);
        await store.CreateAsync("x");
        Assert.Contains("'x'", (await Assert.ThrowsAsync<LoomException>(() => store.CreateAsync("x"))).Message);
        Assert.Contains("'nobody'", (await Assert.ThrowsAsync<LoomException>(() => store.RevokeAsync("nobody"))).Message);
        Assert.Equal(ApiKeyScopes.Default, (await store.ListAsync())[0].Scopes);
    }

    [Fact]
    public void Scopes_AdminImpliesEvery_AndEmptyModelListAllowsAll()
    {
        var time = DateTimeOffset.UnixEpoch;
        var admin = new ApiKeyRecord("k", "n", ["admin"], [], null, null, time, null);
        var chat = new ApiKeyRecord("k", "n", ["chat"], ["m1"], null, null, time, null);
        Assert.True(admin.HasScope("images"));
        Assert.True(admin.AllowsModel("anything"));
        Assert.True(chat.HasScope("chat"));
        Assert.False(chat.HasScope("embeddings"));
        Assert.True(chat.AllowsModel("m1"));
        Assert.False(chat.AllowsModel("m2"));
    }
}
