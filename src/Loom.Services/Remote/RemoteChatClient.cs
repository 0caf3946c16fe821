using System.ClientModel;
using System.ClientModel.Primitives;
using System.Runtime.CompilerServices;
using Loom.Core;
using Microsoft.Extensions.AI;
using OpenAI;

namespace Loom.Services.Remote;

/// <summary>
/// Chat with a model behind a remote OpenAI-compatible API (OpenAI, another Loom server, vLLM, llama.cpp's server…)
/// through the official OpenAI client and Microsoft.Extensions.AI's adapter, so options, streaming and usage map
/// exactly as for OpenAI itself. The request always names the remote's model (the caller's options carry the local
/// name, which the remote does not know), and a remote 4xx becomes a LoomException with the matching code, so the
/// local server answers the client's mistake with a 4xx too instead of a 500.
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

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.GetResponseAsync(messages, ForRemote(options), cancellationToken);
        }
        catch (ClientResultException e) when (e.Status is >= 400 and < 500)
        {
            throw Translate(e);
        }
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
        ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var updates = base.GetStreamingResponseAsync(messages, ForRemote(options), cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            // The remote's HTTP error arrives on the first MoveNext; a yield cannot sit inside a try with a catch.
            try
            {
                if (!await updates.MoveNextAsync()) yield break;
            }
            catch (ClientResultException e) when (e.Status is >= 400 and < 500)
            {
                throw Translate(e);
            }
            yield return updates.Current;
        }
    }

    private ChatOptions ForRemote(ChatOptions? options)
    {
        var remote = options?.Clone() ?? new ChatOptions();
        remote.ModelId = Options.Model;
        return remote;
    }

    private LoomException Translate(ClientResultException e)
    {
        string message = $"remote model '{Options.Model}' at {Options.Endpoint}: {e.Message}";
        return new LoomException(e.Status == 404 ? LoomErrorCode.NotFound : LoomErrorCode.InvalidArgument, message, e);
    }

    private static IChatClient Create(RemoteModelOptions options, HttpClient? http)
    {
        var clientOptions = new OpenAIClientOptions { Endpoint = options.Endpoint };
        if (http is not null) clientOptions.Transport = new HttpClientPipelineTransport(http);
        // A server without keys still wants some credential in the OpenAI client; it ignores the header.
        var credential = new ApiKeyCredential(options.ApiKey ?? "no-key");
        return new OpenAIClient(credential, clientOptions).GetChatClient(options.Model).AsIChatClient();
    }
}
