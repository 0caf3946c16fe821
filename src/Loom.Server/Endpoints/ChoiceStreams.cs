using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.AI;

namespace Loom.Server.Endpoints;

/// <summary>
/// Runs the n choices of a request side by side (each its own sequence, so a batching engine decodes them together)
/// and yields their updates in arrival order, tagged with the choice index. One choice is passed straight through.
/// </summary>
public static class ChoiceStreams
{
    public static async IAsyncEnumerable<(int Index, ChatResponseUpdate Update)> Merge(int n,
        Func<int, CancellationToken, IAsyncEnumerable<ChatResponseUpdate>> start, [EnumeratorCancellation] CancellationToken cancellation)
    {
        if (n == 1)
        {
            await foreach (var update in start(0, cancellation).WithCancellation(cancellation))
                yield return (0, update);
            yield break;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var channel = Channel.CreateUnbounded<(int, ChatResponseUpdate)>(new UnboundedChannelOptions { SingleReader = true });
        var producers = Enumerable.Range(0, n).Select(async index =>
        {
            try
            {
                await foreach (var update in start(index, linked.Token).WithCancellation(linked.Token))
                    await channel.Writer.WriteAsync((index, update), linked.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // One failed choice fails the request: stop the others rather than finish them for nothing.
                await linked.CancelAsync();
                throw;
            }
        }).ToArray();
        var all = Task.WhenAll(producers).ContinueWith(t => channel.Writer.TryComplete(t.Exception?.GetBaseException()),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(CancellationToken.None))
                yield return item;
            cancellation.ThrowIfCancellationRequested();
        }
        finally
        {
            // Leaving early (error, disconnect) stops every other choice's generation too.
            await linked.CancelAsync();
            await all;
        }
    }
}
