using Loom.Server.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Loom.Server.Hosting;

/// <summary>The HTTP surface: OpenAI's /v1 routes, Loom's tokenize/detokenize, /health. (/metrics is mapped by the builder.)</summary>
public static class LoomEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/health", () => Results.Json(new { status = "ok" }));
        app.MapGet("/v1/models", ModelsEndpoints.ListAsync);
        app.MapGet("/v1/models/{**id}", ModelsEndpoints.GetAsync);
        app.MapPost("/v1/chat/completions", ChatCompletionsEndpoint.HandleAsync);
        app.MapPost("/v1/completions", CompletionsEndpoint.HandleAsync);
        app.MapPost("/v1/embeddings", EmbeddingsEndpoint.HandleAsync);
        app.MapPost("/v1/images/generations", ImagesEndpoint.HandleAsync);
        app.MapPost("/v1/tokenize", TokenizeEndpoints.TokenizeAsync);
        app.MapPost("/v1/detokenize", TokenizeEndpoints.DetokenizeAsync);
    }
}
