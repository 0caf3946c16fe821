using Loom.Services.Models;
using Loom.Services.Operations;
using Loom.Services.Remote;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Loom.Server.Operations;

/// <summary>
/// How a host takes the operations layer: <see cref="AddLoomOperations"/> on the builder (services; the model
/// catalog is wrapped when the container is built, whenever it was registered) and <see cref="UseLoomOperations"/> on
/// the app after routing (bind check, the guarding middleware, the /v1/prompts routes).
/// </summary>
public static class OperationsHostExtensions
{
    public static WebApplicationBuilder AddLoomOperations(this WebApplicationBuilder web)
    {
        var options = OperationsOptions.From(web.Configuration);
        web.Services.AddSingleton(options);
        web.Services.AddSingleton(sp => new OperationsState(sp.GetRequiredService<OperationsOptions>()));
        // The catalog may be registered after this call (the host adds it in Build): a provider factory runs when the
        // container is built, after every registration, and wraps the last IModelCatalog there.
        web.Host.UseServiceProviderFactory(new CatalogDecoratingProviderFactory(Decorate));
        return web;
    }

    /// <summary>Local models (or none) + configured remote models, every chat/embeddings wrapped by the pipeline.</summary>
    public static IModelCatalog Decorate(IModelCatalog? inner, IServiceProvider services)
    {
        var state = services.GetRequiredService<OperationsState>();
        IModelCatalog catalog = inner ?? new EmptyModelCatalog();
        if (state.Options.Remotes.Count > 0) catalog = new RemoteModelCatalog(catalog, state.Options.Remotes);
        return new OperationsModelCatalog(catalog, state.Pipeline);
    }

    public static WebApplication UseLoomOperations(this WebApplication app)
    {
        var state = app.Services.GetRequiredService<OperationsState>();
        bool anyKeys = state.Keys.AnyActiveAsync().GetAwaiter().GetResult();
        var hosts = new List<string> { state.Options.Host };
        if (app.Configuration["urls"] is { Length: > 0 } urls) hosts.AddRange(urls.Split(';', StringSplitOptions.RemoveEmptyEntries));
        hosts.AddRange(app.Urls);
        BindGuard.Check(hosts, anyKeys, state.Options.NoAuth);
        app.UseMiddleware<OperationsMiddleware>();
        PromptEndpoints.Map(app);
        return app;
    }
}
