using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Loom.IntegrationTests.Server;

/// <summary>The wire format over raw HTTP on the scripted models: SSE framing, usage chunks, tokenize, health, metrics.</summary>
public class HttpApiTests(FakeServerFixture fixture) : IClassFixture<FakeServerFixture>
{
    private readonly HttpClient _http = fixture.Http;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>Posts a streaming request and returns the SSE data payloads in order.</summary>
    public static async Task<List<string>> StreamAsync(HttpClient http, string path, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(body) };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        string raw = await response.Content.ReadAsStringAsync();
        var events = raw.Split("\n\n", StringSplitOptions.None);
        Assert.Equal("", events[^1]);
        var payloads = new List<string>();
        foreach (string e in events[..^1])
        {
            Assert.StartsWith("data: ", e);
            payloads.Add(e["data: ".Length..]);
        }
        return payloads;
    }

    [Fact]
    public async Task Streaming_chat_is_sse_chunks_with_the_role_first_and_ends_with_done()
    {
        var payloads = await StreamAsync(_http, "/v1/chat/completions",
            """{"model":"fake-chat","messages":[{"role":"user","content":"hi"}],"stream":true}""");
        Assert.Equal("[DONE]", payloads[^1]);
        var chunks = payloads[..^1].Select(p => JsonNode.Parse(p)!).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", (string?)c["object"]));
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        Assert.All(chunks.Skip(1), c => Assert.Null(c["choices"]![0]!["delta"]!["role"]));
        string text = string.Concat(chunks.Select(c => (string?)c["choices"]![0]!["delta"]!["content"] ?? ""));
        Assert.Equal("echo: hi", text);
        Assert.Equal("stop", (string?)chunks[^1]["choices"]![0]!["finish_reason"]);
        Assert.True(chunks.Count >= 3, $"one chunk per token expected, got {chunks.Count}");
    }

    [Fact]
    public async Task Include_usage_adds_a_final_chunk_with_usage_and_no_choices()
    {
        var payloads = await StreamAsync(_http, "/v1/chat/completions",
            """{"model":"fake-chat","messages":[{"role":"user","content":"abc"}],"stream":true,"stream_options":{"include_usage":true},"max_tokens":4}""");
        var last = JsonNode.Parse(payloads[^2])!;
        Assert.Empty(last["choices"]!.AsArray());
        Assert.Equal(4, (int)last["usage"]!["completion_tokens"]!);
        Assert.Equal(3, (int)last["usage"]!["prompt_tokens"]!);
        Assert.Equal(7, (int)last["usage"]!["total_tokens"]!);
        var finish = payloads[..^2].Select(p => (string?)JsonNode.Parse(p)!["choices"]![0]!["finish_reason"]).Last(f => f is not null);
        Assert.Equal("length", finish);
        // Without include_usage no chunk carries usage.
        var plain = await StreamAsync(_http, "/v1/chat/completions", """{"model":"fake-chat","messages":[{"role":"user","content":"abc"}],"stream":true}""");
        Assert.All(plain[..^1], p => Assert.Null(JsonNode.Parse(p)!["usage"]));
    }

    [Fact]
    public async Task Streaming_completions_with_n_2_number_choices_and_end_with_done()
    {
        var payloads = await StreamAsync(_http, "/v1/completions", """{"model":"fake-chat","prompt":"x","stream":true,"n":2,"seed":5}""");
        Assert.Equal("[DONE]", payloads[^1]);
        var chunks = payloads[..^1].Select(p => JsonNode.Parse(p)!).ToList();
        Assert.All(chunks, c => Assert.Equal("text_completion", (string?)c["object"]));
        string Text(int i) => string.Concat(chunks.Select(c => c["choices"]![0]!).Where(c => (int)c["index"]! == i).Select(c => (string?)c["text"]));
        Assert.Equal(" and so on #5", Text(0));
        Assert.Equal(" and so on #6", Text(1));
    }

    [Fact]
    public async Task Chat_passes_stop_logprobs_and_n_through()
    {
        var response = await _http.PostAsync("/v1/chat/completions", Json(
            """{"model":"fake-chat","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"bc"}]}],"stop":"bc","logprobs":true,"top_logprobs":1,"n":2}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("chat.completion", (string?)body["object"]);
        var choices = body["choices"]!.AsArray();
        Assert.Equal(2, choices.Count);
        Assert.Equal("echo: ab", (string?)choices[1]!["message"]!["content"]);
        var content = choices[0]!["logprobs"]!["content"]!.AsArray();
        Assert.Equal(8, content.Count);
        Assert.Equal("e", (string?)content[0]!["token"]);
        Assert.Single(content[0]!["top_logprobs"]!.AsArray());
        Assert.Equal(16, (int)body["usage"]!["completion_tokens"]!);
    }

    [Fact]
    public async Task Tokenize_and_detokenize_round_trip()
    {
        var tokenized = await (await _http.PostAsync("/v1/tokenize", Json("""{"model":"fake-chat","text":"héllo"}"""))).Content.ReadFromJsonAsync<JsonObject>();
        int[] tokens = tokenized!["tokens"]!.AsArray().Select(t => (int)t!).ToArray();
        Assert.Equal(6, tokens.Length); // é is two UTF-8 bytes
        var detokenized = await _http.PostAsync("/v1/detokenize", Json(JsonSerializer.Serialize(new { model = "fake-chat", tokens })));
        Assert.Equal("héllo", (string?)(await detokenized.Content.ReadFromJsonAsync<JsonObject>())!["text"]);
    }

    [Fact]
    public async Task Embeddings_in_base64_decode_to_the_float_vector()
    {
        var asFloats = await (await _http.PostAsync("/v1/embeddings", Json("""{"model":"fake-chat","input":["abc","zz"]}"""))).Content.ReadFromJsonAsync<JsonObject>();
        var asBase64 = await (await _http.PostAsync("/v1/embeddings", Json("""{"model":"fake-chat","input":["abc","zz"],"encoding_format":"base64"}"""))).Content.ReadFromJsonAsync<JsonObject>();
        for (int i = 0; i < 2; i++)
        {
            float[] floats = asFloats!["data"]![i]!["embedding"]!.AsArray().Select(v => (float)v!).ToArray();
            byte[] bytes = Convert.FromBase64String((string)asBase64!["data"]![i]!["embedding"]!);
            float[] decoded = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, decoded, 0, bytes.Length);
            Assert.Equal(floats, decoded);
        }
    }

    [Fact]
    public async Task Health_and_metrics_answer()
    {
        var health = await _http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", (string?)(await health.Content.ReadFromJsonAsync<JsonObject>())!["status"]);

        await _http.PostAsync("/v1/chat/completions", Json("""{"model":"fake-chat","messages":[{"role":"user","content":"m"}]}"""));
        var metrics = await _http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal("text/plain", metrics.Content.Headers.ContentType?.MediaType);
        string text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains("loom_tokens_generated", text);
        Assert.Contains("http_server_request_duration", text);
    }

    [Fact]
    public async Task Models_list_names_capabilities()
    {
        var list = await _http.GetFromJsonAsync<JsonObject>("/v1/models");
        var ids = list!["data"]!.AsArray().Select(m => (string?)m!["id"]).ToList();
        Assert.Equal(["fake-chat", "fake-endless", "fake-image"], ids);
        var image = await _http.GetFromJsonAsync<JsonObject>("/v1/models/fake-image");
        Assert.Equal("images", (string?)image!["loom_capabilities"]![0]);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_its_generation()
    {
        using var cts = new CancellationTokenSource();
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = Json("""{"model":"fake-endless","messages":[{"role":"user","content":"go"}],"stream":true}"""),
        };
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        var buffer = new byte[256];
        Assert.True(await stream.ReadAsync(buffer, cts.Token) > 0); // tokens are flowing
        response.Dispose(); // the client goes away mid-stream
        var finished = await Task.WhenAny(fixture.Catalog.EndlessCancelled.Task, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(fixture.Catalog.EndlessCancelled.Task, finished);
    }
}
