using System.CommandLine;
using System.Text.Json.Nodes;
using Loom.Services.Operations.Keys;
using Loom.Services.Operations.Storage;

namespace Loom.Cli;

/// <summary>
/// `loom keys create NAME [--scopes chat,…] [--models m1,m2] [--rpm N] [--tpm N]`, `loom keys list`,
/// `loom keys revoke ID|NAME`, all with [--data DIR] [--json]. A new key is printed once and never again: only its
/// SHA-256 hash is stored (in DIR/loom.db, default ~/.loom). Once any key exists, `loom serve` on that data
/// directory requires one on every /v1 request.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Create, list and revoke API keys for `loom serve`");
        command.Subcommands.Add(CreateVerb());
        command.Subcommands.Add(ListVerb());
        command.Subcommands.Add(RevokeVerb());
        return command;
    }

    public static Option<string?> DataOption() => new("--data") { Description = "Data directory (keys, audit, prompts); default ~/.loom" };

    private static Command CreateVerb()
    {
        var name = new Argument<string>("name") { Description = "A name for the key (who or what uses it)" };
        var scopes = new Option<string?>("--scopes") { Description = $"Comma-separated scopes: {string.Join(", ", ApiKeyScopes.All)} (default: all but admin)" };
        var models = new Option<string?>("--models") { Description = "Comma-separated model ids the key may use (default: every model)" };
        var rpm = new Option<int?>("--rpm") { Description = "Requests per minute (default: the server's RateLimits:RequestsPerMinute)" };
        var tpm = new Option<int?>("--tpm") { Description = "Tokens per minute (default: the server's RateLimits:TokensPerMinute)" };
        var data = DataOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"key\", \"id\", …}" };
        var command = new Command("create", "Create a key and print it once");
        command.Arguments.Add(name);
        foreach (var option in new Option[] { scopes, models, rpm, tpm, data, json }) command.Options.Add(option);
        command.SetAction(async (parse, cancellation) =>
        {
            var store = new ApiKeyStore(DataDirectory.OpenSqlite(parse.GetValue(data)));
            var created = await store.CreateAsync(parse.GetValue(name)!, List(parse.GetValue(scopes)), List(parse.GetValue(models)),
                parse.GetValue(rpm), parse.GetValue(tpm), cancellation);
            if (parse.GetValue(json))
            {
                var result = ToJson(created.Record);
                result["key"] = created.Key;
                Console.WriteLine(result.ToJsonString());
            }
            else
            {
                Console.WriteLine(created.Key);
                Console.Error.WriteLine($"created {created.Record.Id} '{created.Record.Name}' (scopes {string.Join(",", created.Record.Scopes)}); " +
                    "this is the only time the key is shown");
            }
            return 0;
        });
        return command;
    }

    private static Command ListVerb()
    {
        var data = DataOption();
        var json = new Option<bool>("--json") { Description = "Print one JSON object {\"keys\": […]}" };
        var command = new Command("list", "List keys (never the keys themselves)");
        command.Options.Add(data);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            var keys = await new ApiKeyStore(DataDirectory.OpenSqlite(parse.GetValue(data))).ListAsync(cancellation);
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonObject { ["keys"] = new JsonArray([.. keys.Select(k => (JsonNode)ToJson(k))]) }.ToJsonString());
                return 0;
            }
            if (keys.Count == 0) Console.Error.WriteLine("no keys: `loom serve` runs without authentication (loopback only unless --no-auth)");
            foreach (var k in keys)
                Console.WriteLine($"{k.Id}  {k.Name,-16} scopes={string.Join(",", k.Scopes)} models={(k.Models.Count == 0 ? "*" : string.Join(",", k.Models))} " +
                    $"rpm={k.RequestsPerMinute?.ToString() ?? "default"} tpm={k.TokensPerMinute?.ToString() ?? "default"} created={k.Created:u}" +
                    (k.Revoked is { } r ? $" revoked={r:u}" : ""));
            return 0;
        });
        return command;
    }

    private static Command RevokeVerb()
    {
        var target = new Argument<string>("key") { Description = "The key's id (key_…) or name" };
        var data = DataOption();
        var json = new Option<bool>("--json") { Description = "Print the revoked key as one JSON object" };
        var command = new Command("revoke", "Revoke a key: requests with it get 401 from then on");
        command.Arguments.Add(target);
        command.Options.Add(data);
        command.Options.Add(json);
        command.SetAction(async (parse, cancellation) =>
        {
            var revoked = await new ApiKeyStore(DataDirectory.OpenSqlite(parse.GetValue(data))).RevokeAsync(parse.GetValue(target)!, cancellation);
            Console.WriteLine(parse.GetValue(json) ? ToJson(revoked).ToJsonString() : $"revoked {revoked.Id} '{revoked.Name}'");
            return 0;
        });
        return command;
    }

    private static JsonObject ToJson(ApiKeyRecord k) => new()
    {
        ["id"] = k.Id,
        ["name"] = k.Name,
        ["scopes"] = new JsonArray([.. k.Scopes.Select(s => (JsonNode)s)]),
        ["models"] = new JsonArray([.. k.Models.Select(s => (JsonNode)s)]),
        ["rpm"] = k.RequestsPerMinute,
        ["tpm"] = k.TokensPerMinute,
        ["created"] = k.Created.ToString("O"),
        ["revoked"] = k.Revoked?.ToString("O"),
    };

    internal static string[]? List(string? text) =>
        text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
