using System.Net;
using Loom.Core;
using Loom.Server.Errors;
using Loom.Server.Images;
using Loom.Server.Telemetry;
using Loom.Services.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace Loom.Server.Hosting;

/// <summary>
/// Builds Loom's HTTP server. Configuration comes in ASP.NET's usual order, later wins: built-in defaults <
/// appsettings.json in the working directory (or the file given as <c>configFile</c>) < environment variables with
/// prefix LOOM_ (LOOM_Server__Port=9000) < <c>overrides</c> (the `loom serve` flags; tests: Server:Port = 0).
/// Before <see cref="Build"/>, <see cref="Web"/> exposes the WebApplicationBuilder (services, Kestrel) and
/// <see cref="UseCatalog"/> swaps the model catalog (tests use a fake one).
/// </summary>
public sealed class LoomServerBuilder
{
    private IModelCatalog? _catalog;

    private LoomServerBuilder(WebApplicationBuilder web, ServerOptions options)
    {
        Web = web;
        Options = options;
    }

    public WebApplicationBuilder Web { get; }

    /// <summary>The options as configuration resolved them (section "Server").</summary>
    public ServerOptions Options { get; }

    public static LoomServerBuilder Create(IReadOnlyDictionary<string, string?>? overrides = null, string? configFile = null,
        bool readEnvironment = true)
    {
        var web = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        var config = web.Configuration;
        config.Sources.Clear();
        config.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
        });
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
                throw new LoomException(LoomErrorCode.FileNotFound, $"--config: {configFile} does not exist");
            config.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        else
        {
            config.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        }
        if (readEnvironment) config.AddEnvironmentVariables("LOOM_");
        if (overrides is not null) config.AddInMemoryCollection(overrides);

        ServerOptions options;
        try
        {
            options = config.GetSection(ServerOptions.Section).Get<ServerOptions>() ?? new ServerOptions();
        }
        catch (InvalidOperationException e)
        {
            throw LoomException.Argument($"configuration section '{ServerOptions.Section}': {e.Message}");
        }
        Validate(options);

        web.Logging.ClearProviders();
        web.Logging.AddSimpleConsole(o => o.SingleLine = true);
        web.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(BindAddress(options.Host), options.Port);
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBytes;
            kestrel.AddServerHeader = false;
        });

        var services = web.Services;
        services.AddSingleton(options);
        services.AddSingleton<ServerMetrics>();
        services.AddSingleton<IdleMemoryTrimmer>();
        services.AddHostedService(provider => provider.GetRequiredService<IdleMemoryTrimmer>());
        services.TryAddSingleton<IPngEncoder, TensorPngEncoder>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter(ServerMetrics.MeterName)
            .AddMeter(Loom.Inference.Batching.BatchSchedulerMetrics.MeterName)
            .AddMeter(ProcessMemoryMetrics.MeterName)
            .AddMeter(ResponseCacheMetrics.MeterName)
            // The runtime's built-in meter: GC heap per generation, collections, thread pool, working set.
            .AddMeter("System.Runtime")
            .AddPrometheusExporter());
        LoomServerHooks.ConfigureServices(web);
        return new LoomServerBuilder(web, options);
    }

    /// <summary>Serve these models instead of the catalog over <see cref="ServerOptions.Models"/>. The caller keeps ownership.</summary>
    public LoomServerBuilder UseCatalog(IModelCatalog catalog)
    {
        _catalog = catalog;
        return this;
    }

    public LoomServer Build()
    {
        IAsyncDisposable? owned = null;
        if (_catalog is not null)
        {
            Web.Services.AddSingleton(_catalog);
        }
        else
        {
            var catalog = DefaultCatalog.Create(Options);
            owned = catalog as IAsyncDisposable ?? (catalog is IDisposable d ? new DisposeAdapter(d) : null);
            Web.Services.AddSingleton(catalog);
        }

        var app = Web.Build();
        var trimmer = app.Services.GetRequiredService<IdleMemoryTrimmer>();
        app.Use(async (context, next) =>
        {
            trimmer.RequestStarted();
            try
            {
                await next(context);
            }
            finally
            {
                trimmer.RequestEnded();
            }
        });
        app.UseMiddleware<ErrorMiddleware>();
        app.UseStatusCodePages(async status =>
        {
            var context = status.HttpContext;
            string message = context.Response.StatusCode switch
            {
                404 => $"Unknown request URL: {context.Request.Method} {context.Request.Path}.",
                405 => $"Method {context.Request.Method} is not allowed for {context.Request.Path}.",
                _ => $"The request failed with status {context.Response.StatusCode}.",
            };
            await ErrorMiddleware.WriteAsync(context, new ApiException(context.Response.StatusCode, message,
                code: context.Response.StatusCode == 404 ? "unknown_url" : null,
                type: context.Response.StatusCode == 404 ? ApiException.NotFoundType : ApiException.InvalidRequest));
        });
        app.UseRouting();
        LoomServerHooks.ConfigureMiddleware(app);
        app.MapPrometheusScrapingEndpoint("/metrics");
        LoomEndpoints.Map(app);
        LoomServerHooks.ConfigurePages(app);
        return new LoomServer(app, Options, owned);
    }

    private static void Validate(ServerOptions options)
    {
        if (options.Port is < 0 or > 65535)
            throw LoomException.Argument($"Server:Port must be 0..65535 (0 = any free port), found {options.Port}");
        if (options.MaxChoices < 1) throw LoomException.Argument($"Server:MaxChoices must be ≥ 1, found {options.MaxChoices}");
        if (options.MaxImages < 1) throw LoomException.Argument($"Server:MaxImages must be ≥ 1, found {options.MaxImages}");
        if (options.IdleUnloadSeconds < 1) throw LoomException.Argument($"Server:IdleUnloadSeconds must be ≥ 1, found {options.IdleUnloadSeconds}");
        if (options.ContextLength is < 1) throw LoomException.Argument($"Server:ContextLength must be ≥ 1 when set, found {options.ContextLength}");
        if (options.IdleTrimSeconds < 0) throw LoomException.Argument($"Server:IdleTrimSeconds must be ≥ 0 (0 = never), found {options.IdleTrimSeconds}");
        if (options.MaxRequestBytes < 1024) throw LoomException.Argument($"Server:MaxRequestBytes must be ≥ 1024, found {options.MaxRequestBytes}");
        BindAddress(options.Host);
    }

    /// <summary>"localhost" is the IPv4 loopback; "*", "+" and "0.0.0.0" every IPv4 interface; "::" every interface.</summary>
    public static IPAddress BindAddress(string host) => host switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "+" or "0.0.0.0" => IPAddress.Any,
        "::" or "[::]" => IPAddress.IPv6Any,
        _ when IPAddress.TryParse(host.Trim('[', ']'), out var address) => address,
        _ => throw LoomException.Argument($"Server:Host must be an IP address, 'localhost' or '*', found '{host}'"),
    };

    private sealed class DisposeAdapter(IDisposable inner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            inner.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
