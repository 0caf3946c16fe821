using Loom.Services.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Loom.Server.Operations;

/// <summary>
/// Builds the host's service provider with its last <see cref="IModelCatalog"/> registration replaced by a decorator
/// (the operations pipeline and remote models). Done at build time because the host registers its catalog late;
/// with no catalog registered at all, the decorator wraps an empty one.
/// </summary>
public sealed class CatalogDecoratingProviderFactory(Func<IModelCatalog?, IServiceProvider, IModelCatalog> decorate)
    : IServiceProviderFactory<IServiceCollection>
{
    public IServiceCollection CreateBuilder(IServiceCollection services) => services;

    public IServiceProvider CreateServiceProvider(IServiceCollection services)
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(IModelCatalog));
        services.RemoveAll<IModelCatalog>();
        services.AddSingleton<IModelCatalog>(sp => decorate(original is null ? null : Resolve(original, sp), sp));
        return services.BuildServiceProvider();
    }

    private static IModelCatalog Resolve(ServiceDescriptor descriptor, IServiceProvider services)
    {
        if (descriptor.ImplementationInstance is IModelCatalog instance) return instance;
        if (descriptor.ImplementationFactory is { } factory) return (IModelCatalog)factory(services);
        return (IModelCatalog)ActivatorUtilities.CreateInstance(services, descriptor.ImplementationType!);
    }
}
