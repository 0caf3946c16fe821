using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Loom.Server.Hosting;

/// <summary>
/// A built Loom server: start it, read <see cref="BaseAddress"/> (the real port when Server:Port was 0), stop it.
/// Tests run several in one process; `loom serve` runs one until Ctrl+C.
/// </summary>
public sealed class LoomServer : IAsyncDisposable
{
    private readonly IAsyncDisposable? _ownedCatalog;

    internal LoomServer(WebApplication app, ServerOptions options, IAsyncDisposable? ownedCatalog)
    {
        App = app;
        Options = options;
        _ownedCatalog = ownedCatalog;
    }

    public WebApplication App { get; }

    public ServerOptions Options { get; }

    /// <summary>http://address:port of the bound listener (valid after <see cref="StartAsync"/>), without a trailing slash.</summary>
    public Uri BaseAddress
    {
        get
        {
            var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
            string first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("The server has not started.");
            return new Uri(first.Replace("://[::]:", "://[::1]:", StringComparison.Ordinal).Replace("://0.0.0.0:", "://127.0.0.1:", StringComparison.Ordinal));
        }
    }

    public Task StartAsync(CancellationToken cancellation = default) => App.StartAsync(cancellation);

    public Task StopAsync(CancellationToken cancellation = default) => App.StopAsync(cancellation);

    /// <summary>Serves until <paramref name="cancellation"/> fires (or the host is told to stop), then stops.</summary>
    public async Task RunAsync(CancellationToken cancellation = default)
    {
        await App.StartAsync(cancellation);
        await App.WaitForShutdownAsync(cancellation);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await App.StopAsync();
        }
        catch (OperationCanceledException)
        {
        }
        await App.DisposeAsync();
        if (_ownedCatalog is not null) await _ownedCatalog.DisposeAsync();
    }
}
