using System.CommandLine;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Services.Operations.Prompts;
using Loom.Services.Operations.Storage;

namespace Loom.Cli;

/// <summary>
/// `loom prompts create ID (--template TEXT | --user TEXT [--system TEXT])`, `loom prompts list`,
/// `loom prompts get ID [--version N]`, `loom prompts render ID [--version N] --var name=value …`, all with
/// [--data DIR] [--postgres CONN] [--json]. Templates live where `loom serve` keeps them: DIR/loom.db, or PostgreSQL
/// when --postgres (default: the LOOM_ConnectionStrings__Postgres environment variable) is set.
/// </summary>
public static class PromptsCommand
{
    public static Command Create()
    {
        var command = new Command("prompts", "Versioned prompt templates: create, list, get, render");
        command.Subcommands.Add(CreateVerb());
        command.Subcommands.Add(ListVerb());
        command.Subcommands.Add(GetVerb());
        command.Subcommands.Add(RenderVerb());
        return command;
    }

    private sealed record StoreOptions(Option<string?> Data, Option<string?> Postgres, Option<bool> Json)
    {
        public static StoreOptions Add(Command command)
        {
            var options = new StoreOptions(KeysCommand.DataOption(),
                new Option<string?>("--postgres") { Description = "PostgreSQL connection string (default: $LOOM_ConnectionStrings__Postgres)" },
                new Option<bool>("--json") { Description = "Print one JSON object" });
            command.Options.Add(options.Data);
            command.Options.Add(options.Postgres);
            command.Options.Add(options.Json);
            return options;
        }

        public PromptStore Open(ParseResult parse)
        {
            string? postgres = parse.GetValue(Postgres) ?? Environment.GetEnvironmentVariable("LOOM_ConnectionStrings__Postgres");
            return new PromptStore(string.IsNullOrWhiteSpace(postgres) ? DataDirectory.OpenSqlite(parse.GetValue(Data)) : OperationsDatabase.Postgres(postgres));
        }
    }

    private static Command CreateVerb()
    {
        var id = new Argument<string>("id") { Description = "Template id (letters, digits, _ - .); a new version when it exists" };
        var template = new Option<string?>("--template") { Description = "The template as one user message, with {{name}} placeholders" };
        var user = new Option<string?>("--user") { Description = "User message (with --system for a two-message template)" };
        var system = new Option<string?>("--system") { Description = "System message" };
        var description = new Option<string?>("--description") { Description = "What the template is for" };
        var command = new Command("create", "Store a new version of a prompt template");
        command.Arguments.Add(id);
        foreach (var option in new Option[] { template, user, system, description }) command.Options.Add(option);
        var store = StoreOptions.Add(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var messages = new List<PromptMessage>();
            if (parse.GetValue(system) is { } s) messages.Add(new PromptMessage("system", s));
            if ((parse.GetValue(user) ?? parse.GetValue(template)) is { } u) messages.Add(new PromptMessage("user", u));
            if (messages.Count == 0) throw LoomException.Argument("prompts create: give --template TEXT or --user TEXT (and optionally --system TEXT)");
            var created = await store.Open(parse).CreateAsync(parse.GetValue(id)!, messages, parse.GetValue(description), cancellation);
            Print(parse, store, ToJson(created), $"{created.Id} version {created.Version} (variables: {string.Join(", ", created.Variables)})");
            return 0;
        });
        return command;
    }

    private static Command ListVerb()
    {
        var command = new Command("list", "List templates (latest version of each)");
        var store = StoreOptions.Add(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var templates = await store.Open(parse).ListAsync(cancellation);
            Print(parse, store, new JsonObject { ["prompts"] = new JsonArray([.. templates.Select(t => (JsonNode)ToJson(t))]) },
                string.Join('\n', templates.Select(t => $"{t.Id}  v{t.Version}  variables={string.Join(",", t.Variables)}  {t.Description}")));
            return 0;
        });
        return command;
    }

    private static Command GetVerb()
    {
        var id = new Argument<string>("id") { Description = "Template id" };
        var version = new Option<int?>("--version") { Description = "Version (default: the latest)" };
        var command = new Command("get", "Show one version of a template");
        command.Arguments.Add(id);
        command.Options.Add(version);
        var store = StoreOptions.Add(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var template = await Get(store.Open(parse), parse.GetValue(id)!, parse.GetValue(version), cancellation);
            Print(parse, store, ToJson(template), $"{template.Id} version {template.Version}\n{PromptRenderer.AsText(template.Messages)}".TrimEnd());
            return 0;
        });
        return command;
    }

    private static Command RenderVerb()
    {
        var id = new Argument<string>("id") { Description = "Template id" };
        var version = new Option<int?>("--version") { Description = "Version (default: the latest)" };
        var vars = new Option<string[]>("--var") { Description = "A variable as name=value (repeat for more)", AllowMultipleArgumentsPerToken = false };
        var command = new Command("render", "Fill a template's {{placeholders}}; a missing one is an error naming it");
        command.Arguments.Add(id);
        command.Options.Add(version);
        command.Options.Add(vars);
        var store = StoreOptions.Add(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var variables = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string pair in parse.GetValue(vars) ?? [])
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0) throw LoomException.Argument($"--var: expected name=value, found '{pair}'");
                variables[pair[..eq]] = pair[(eq + 1)..];
            }
            var template = await Get(store.Open(parse), parse.GetValue(id)!, parse.GetValue(version), cancellation);
            var messages = PromptRenderer.Render(template, variables);
            var json = new JsonObject
            {
                ["id"] = template.Id,
                ["version"] = template.Version,
                ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
            };
            Print(parse, store, json, PromptRenderer.AsText(messages).TrimEnd());
            return 0;
        });
        return command;
    }

    private static async Task<PromptTemplate> Get(PromptStore store, string id, int? version, CancellationToken cancellation)
    {
        try
        {
            return await store.GetAsync(id, version, cancellation);
        }
        catch (PromptNotFoundException e)
        {
            throw new LoomException(LoomErrorCode.FileNotFound, e.Message);
        }
    }

    private static void Print(ParseResult parse, StoreOptions store, JsonObject json, string human) =>
        Console.WriteLine(parse.GetValue(store.Json) ? json.ToJsonString() : human);

    private static JsonObject ToJson(PromptTemplate t) => new()
    {
        ["id"] = t.Id,
        ["version"] = t.Version,
        ["messages"] = new JsonArray([.. t.Messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
        ["variables"] = new JsonArray([.. t.Variables.Select(v => (JsonNode)v)]),
        ["description"] = t.Description,
        ["created"] = t.Created.ToString("O"),
    };
}
