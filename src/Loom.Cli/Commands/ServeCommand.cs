using System.CommandLine;
using System.Globalization;
using Loom.Server.Hosting;

namespace Loom.Cli;

/// <summary>
/// `loom serve [--models DIR] [--host H] [--port P] [--config FILE] [--data DIR] [--no-auth]`: the OpenAI-compatible
/// HTTP server over a directory of models, until Ctrl+C. Flags override LOOM_Server__* environment variables, which
/// override the config file (appsettings.json in the working directory unless --config names another).
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var models = new Option<string?>("--models") { Description = "Directory of models (Loom model directories and .gguf files); default ./models" };
        var host = new Option<string?>("--host") { Description = "Address to bind: an IP, 'localhost' or '*'; default 127.0.0.1" };
        var port = new Option<int?>("--port") { Description = "Port; 0 picks a free one; default 8080" };
        var config = new Option<string?>("--config") { Description = "JSON configuration file used instead of ./appsettings.json" };
        var data = new Option<string?>("--data") { Description = "Data directory for keys, audit and prompts; default ~/.loom" };
        var noAuth = new Option<bool>("--no-auth") { Description = "Serve without API keys even on a non-loopback address" };
        var command = new Command("serve", "Serve models over an OpenAI-compatible HTTP API");
        foreach (var option in new Option[] { models, host, port, config, data, noAuth }) command.Options.Add(option);
        command.SetAction(async (parse, cancellation) =>
        {
            var overrides = new Dictionary<string, string?>();
            void Set(string key, string? value)
            {
                if (value is not null) overrides[$"{ServerOptions.Section}:{key}"] = value;
            }
            Set(nameof(ServerOptions.Models), parse.GetValue(models));
            Set(nameof(ServerOptions.Host), parse.GetValue(host));
            Set(nameof(ServerOptions.Port), parse.GetValue(port)?.ToString(CultureInfo.InvariantCulture));
            Set(nameof(ServerOptions.Data), parse.GetValue(data));
            if (parse.GetValue(noAuth)) Set(nameof(ServerOptions.NoAuth), "true");
            overrides["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning";

            await using var server = LoomServerBuilder.Create(overrides, parse.GetValue(config)).Build();
            await server.StartAsync(cancellation);
            Console.WriteLine($"loom serve: {Path.GetFullPath(server.Options.Models)} at {server.BaseAddress} (Ctrl+C stops)");
            // Ctrl+C reaches both the command line's token and the host's lifetime; either one ends the wait.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, server.App.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
            return 0;
        });
        return command;
    }
}
