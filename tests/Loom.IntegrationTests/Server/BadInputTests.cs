using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Loom.IntegrationTests.Server;

/// <summary>
/// A client's mistakes are 4xx with OpenAI's error body ({"error": {message, type, param, code}}) naming the
/// parameter — never a 500 — and the server keeps answering.
/// </summary>
public class BadInputTests(FakeServerFixture fixture) : IClassFixture<FakeServerFixture>
{
    private const string User = """[{"role":"user","content":"hi"}]""";

    public static TheoryData<string, string, int, string?, string?> Battery() => new()
    {
        // path, body, status, param, code
        { "/v1/chat/completions", "{not json", 400, null, "invalid_json" },
        { "/v1/chat/completions", "", 400, null, "invalid_json" },
        { "/v1/chat/completions", "[1,2]", 400, null, "invalid_json" },
        { "/v1/chat/completions", $$$"""{"messages":{{{User}}}}""", 400, "model", "missing_required_parameter" },
        { "/v1/chat/completions", """{"model":"fake-chat"}""", 400, "messages", "missing_required_parameter" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":[]}""", 400, "messages", "empty_array" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":"hi"}""", 400, "messages", "invalid_type" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":[{"role":"wizard","content":"x"}]}""", 400, "messages[0].role", "invalid_value" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":[{"role":"user"}]}""", 400, "messages[0].content", "missing_required_parameter" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":[{"role":"user","content":7}]}""", 400, "messages[0].content", "invalid_type" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}""", 400, "messages[0].content[0].type", "unsupported_content_type" },
        { "/v1/chat/completions", $$$"""{"model":42,"messages":{{{User}}}}""", 400, "model", "invalid_type" },
        { "/v1/chat/completions", $$$"""{"model":"nope","messages":{{{User}}}}""", 404, "model", "model_not_found" },
        { "/v1/chat/completions", $$$"""{"model":"fake-image","messages":{{{User}}}}""", 400, "model", "model_not_supported" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"temperature":2.5}""", 400, "temperature", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"temperature":"hot"}""", 400, "temperature", "invalid_type" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"top_p":1.5}""", 400, "top_p", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"n":0}""", 400, "n", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"n":1000}""", 400, "n", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"max_tokens":0}""", 400, "max_tokens", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"max_tokens":1.5}""", 400, "max_tokens", "invalid_type" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"presence_penalty":-3}""", 400, "presence_penalty", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"frequency_penalty":2.01}""", 400, "frequency_penalty", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"logit_bias":{"5":101}}""", 400, "logit_bias.5", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"logit_bias":{"abc":1}}""", 400, "logit_bias.abc", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"logit_bias":{"999":1}}""", 400, "logit_bias.999", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"logprobs":true,"top_logprobs":21}""", 400, "top_logprobs", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"top_logprobs":2}""", 400, "top_logprobs", null },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"stop":[1]}""", 400, "stop[0]", "invalid_type" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"stop":["a","b","c","d","e"]}""", 400, "stop", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"stream":"yes"}""", 400, "stream", "invalid_type" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"response_format":{"type":"xml"}}""", 400, "response_format.type", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"tools":[{"type":"retrieval"}]}""", 400, "tools[0].type", "invalid_value" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"tool_choice":"sometimes"}""", 400, "tool_choice", "invalid_value" },
        { "/v1/chat/completions", """{"model":"fake-chat","messages":[{"role":"user","content":"0123456789012345678901234567890123456789012345678901234567890123456789"}]}""", 400, "messages", "context_length_exceeded" },
        { "/v1/chat/completions", $$$"""{"model":"fake-chat","messages":{{{User}}},"max_tokens":63}""", 400, "messages", "context_length_exceeded" },
        { "/v1/completions", """{"model":"fake-chat"}""", 400, "prompt", "missing_required_parameter" },
        { "/v1/completions", """{"model":"fake-chat","prompt":{"a":1}}""", 400, "prompt", "invalid_type" },
        { "/v1/completions", """{"model":"fake-chat","prompt":[1,-2]}""", 400, "prompt[1]", "invalid_value" },
        { "/v1/completions", """{"model":"fake-chat","prompt":[1,300]}""", 400, "prompt[1]", "invalid_value" },
        { "/v1/completions", """{"model":"fake-chat","prompt":"x","logprobs":6}""", 400, "logprobs", "invalid_value" },
        { "/v1/completions", """{"model":"fake-chat","prompt":"x","max_tokens":64}""", 400, "prompt", "context_length_exceeded" },
        { "/v1/embeddings", """{"model":"fake-chat"}""", 400, "input", "missing_required_parameter" },
        { "/v1/embeddings", """{"model":"fake-chat","input":[true]}""", 400, "input[0]", "invalid_type" },
        { "/v1/embeddings", """{"model":"fake-chat","input":"x","encoding_format":"hex"}""", 400, "encoding_format", "invalid_value" },
        { "/v1/embeddings", """{"model":"fake-image","input":"x"}""", 400, "model", "model_not_supported" },
        { "/v1/images/generations", """{"model":"fake-image","prompt":"x","size":"1024x1024"}""", 400, "size", "invalid_value" },
        { "/v1/images/generations", """{"model":"fake-image","prompt":"x","n":0}""", 400, "n", "invalid_value" },
        { "/v1/images/generations", """{"model":"fake-image","prompt":"x","response_format":"url"}""", 400, "response_format", "invalid_value" },
        { "/v1/images/generations", """{"model":"fake-chat","prompt":"x"}""", 400, "model", "model_not_supported" },
        { "/v1/tokenize", """{"model":"fake-chat"}""", 400, "text", "missing_required_parameter" },
        { "/v1/detokenize", """{"model":"fake-chat","tokens":["a"]}""", 400, "tokens[0]", "invalid_type" },
        { "/v1/detokenize", """{"model":"nope","tokens":[1]}""", 404, "model", "model_not_found" },
        { "/v1/nothing-here", "{}", 404, null, "unknown_url" },
    };

    [Theory]
    [MemberData(nameof(Battery))]
    public async Task Bad_requests_get_4xx_with_openai_error_shape(string path, string body, int status, string? param, string? code)
    {
        var response = await fixture.Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"{path} {body}: status {(int)response.StatusCode}, body {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!["error"]!.AsObject();
        Assert.False(string.IsNullOrWhiteSpace((string?)error["message"]));
        Assert.False(string.IsNullOrWhiteSpace((string?)error["type"]));
        Assert.True(error.ContainsKey("param") && error.ContainsKey("code"), text);
        Assert.Equal(param, (string?)error["param"]);
        if (code is not null) Assert.Equal(code, (string?)error["code"]);

        var health = await fixture.Http.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Wrong_method_and_unknown_model_get_json_errors()
    {
        var wrongMethod = await fixture.Http.GetAsync("/v1/chat/completions");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.NotNull(JsonNode.Parse(await wrongMethod.Content.ReadAsStringAsync())!["error"]);
        var unknown = await fixture.Http.GetAsync("/v1/models/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", (string?)JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!["code"]);
    }
}
