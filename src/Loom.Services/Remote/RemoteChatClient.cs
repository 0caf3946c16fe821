using System.ClientModel;
using System.ClientModel.Primitives;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Loom.Services.Remote;

/// <summary>
/// Chat with a model behind a remote OpenAI-compatible API (OpenAI, another Loom server, vLLM, llama.cpp's server…)
/// through the official OpenAI client and Microsoft.Extensions.AI's adapter, so options, streaming and usage map
/// exactly as for OpenAI itself. Remote errors surface as the OpenAI client's ClientResultException.
/// </summary>
public sealed class RemoteChatClient : DelegatingChatClient
{
    /// <param name="options">Where the model is and what it is called there.</param>
    /// <param name="http">An HttpClient to send through (tests use an in-memory server's); null uses the OpenAI client's own.</param>
    public RemoteChatClient(RemoteModelOptions options, HttpClient? http = null) : base(Create(options, http))
    {
        Options = options;
    }

    public RemoteModelOptions Options { get; }

    private static IChatClient Create(RemoteModelOptions options, HttpClient? http)
    {
        var clientOptions = new OpenAIClientOptions { Endpoint = options.Endpoint };
        if (http is not null) clientOptions.Transport = new HttpClientPipelineTransport(http);
        // A server without keys still wants some credential in the OpenAI client; it ignores the header.
        var credential = new ApiKeyCredential(options.ApiKey ?? "no-key");
        return new OpenAIClient(credential, clientOptions).GetChatClient(options.Model).AsIChatClient();
    }
}
