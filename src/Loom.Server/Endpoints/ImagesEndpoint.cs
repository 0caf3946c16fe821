using System.Globalization;
using System.Text.Json.Nodes;
using Loom.Core;
using Loom.Models.Imaging;
using Loom.Server.Errors;
using Loom.Server.Hosting;
using Loom.Server.Images;
using Loom.Server.Json;
using Loom.Services.Models;
using Microsoft.AspNetCore.Http;

namespace Loom.Server.Endpoints;

/// <summary>
/// POST /v1/images/generations over a Loom image model: n images as base64 PNG (response_format b64_json; "url" is
/// not offered: the server keeps no files). size "WxH" must be the model's own size (no resizing: a model trained at
/// 32×32 answers with 32×32). The prompt conditions caption-conditioned models; an unconditional model samples
/// without it (OpenAI clients must send one) and says so in revised_prompt = "". Loom extension fields: guidance,
/// steps, sampler ("ddpm"/"ddim"), temperature, seed (same seed ⇒ same images).
/// </summary>
public static class ImagesEndpoint
{
    public static async Task HandleAsync(HttpContext context, IModelCatalog catalog, ServerOptions options, IPngEncoder png)
    {
        using var body = await RequestBody.ReadAsync(context);
        var fields = new JsonFields(body.RootElement, "");
        string modelId = fields.RequiredString("model");
        string prompt = fields.String("prompt") ?? "";
        int n = (int)(fields.Integer("n", 1, options.MaxImages) ?? 1);
        string? size = fields.String("size");
        string format = fields.String("response_format") ?? "b64_json";
        if (format != "b64_json")
            throw ApiException.OutOfRange("response_format", "'b64_json' (Loom returns images inline)", $"'{format}'");
        float guidance = (float)(fields.Number("guidance", 0, 100) ?? 0);
        int? steps = (int?)fields.Integer("steps", 1, 10_000);
        string? sampler = fields.String("sampler");
        if (sampler is not (null or "ddpm" or "ddim")) throw ApiException.OutOfRange("sampler", "'ddpm' or 'ddim'", $"'{sampler}'");
        float temperature = (float)(fields.Number("temperature", 0, 10) ?? 1);
        long seed = fields.Integer("seed", long.MinValue, long.MaxValue) ?? Random.Shared.NextInt64();

        using var lease = await ModelAccess.AcquireAsync(catalog, modelId, ModelCapabilities.Images, "/v1/images/generations", context);
        var model = lease.Model.Images!;
        string native = $"{model.Width}x{model.Height}";
        if (size is not null && size != native)
            throw ApiException.OutOfRange("size", $"'{native}' (the size model '{modelId}' generates)", $"'{size}'");
        bool usePrompt = model.AcceptsPrompt && prompt.Length > 0;
        var request = new ImageSampleRequest
        {
            Count = n, Prompt = usePrompt ? prompt : null, Guidance = guidance, Steps = steps, Sampler = sampler, Temperature = temperature,
        };
        // Sampling is CPU-bound work of seconds: off the request thread, cancelled when the client leaves.
        var images = await Task.Run(() => model.Sample(request, new LoomRandom(unchecked((ulong)seed)), context.RequestAborted), context.RequestAborted);
        var data = new JsonArray();
        for (int i = 0; i < images.Size(0); i++)
            data.Add(new JsonObject { ["b64_json"] = Convert.ToBase64String(png.Encode(images, i)), ["revised_prompt"] = usePrompt ? prompt : "" });
        await Results.Json(new JsonObject
        {
            ["created"] = OpenAiJson.Now(),
            ["data"] = data,
            ["size"] = native,
            ["output_format"] = "png",
            ["loom_seed"] = seed.ToString(CultureInfo.InvariantCulture),
        }).ExecuteAsync(context);
    }
}
