using System.Runtime.CompilerServices;
using Loom.Services.Models;
using Loom.Text.Sampling;
using Loom.Text.Templates;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// What the chat client, the completer and each <see cref="SequenceStream"/> need from a loaded text model, whatever
/// its kind: its tokens, how prompts become ids, where sequences run, and the optional constraint factory.
/// </summary>
internal sealed class TextModelParts
{
    public required string Id { get; init; }
    public required int ContextLength { get; init; }
    public required int VocabSize { get; init; }
    public required IReadOnlySet<int> EndOfGeneration { get; init; }
    public required Func<int, byte[]> TokenBytes { get; init; }
    public required Func<ITokenTextStream> CreateTextStream { get; init; }
    /// <summary>A raw completion prompt to ids (BOS as the model wants it).</summary>
    public required Func<string, int[]> EncodeCompletion { get; init; }
    /// <summary>A conversation, the tools to show the model (null: none) and text that starts the assistant's reply
    /// (a forced tool-call prefix, usually empty) to prompt ids through the model's chat template.</summary>
    public required Func<IReadOnlyList<Microsoft.Extensions.AI.ChatMessage>, IReadOnlyList<AIFunctionDeclaration>?, string, int[]> EncodeChat { get; init; }
    /// <summary>How the model's chat template teaches tool calls; null when it has none (requests with tools are refused).</summary>
    public ToolCallSyntax? ToolSyntax { get; init; }
    public required ITextBackend Backend { get; init; }
    public TokenConstraintFactory? Constraints { get; init; }

    public ServedVocabulary Vocabulary => new(VocabSize, TokenBytes, EndOfGeneration);

    /// <summary>Streams the continuation of <paramref name="prompt"/> under <paramref name="options"/>. Bad options and
    /// an over-long prompt throw here, before anything runs. A <paramref name="constraint"/> given here (a forced tool
    /// call) replaces the one the factory would build from the options.</summary>
    public IAsyncEnumerable<ChatResponseUpdate> Stream(int[] prompt, ChatOptions? options, CancellationToken cancellation, ITokenConstraint? constraint = null)
    {
        var settings = GenerationSettings.From(options, prompt.Length, ContextLength, Id);
        constraint ??= options is not null && Constraints is not null ? Constraints(options, Vocabulary) : null;
        var sequence = new SequenceStream(this, prompt, settings, constraint, cancellation);
        Backend.Start(sequence);
        return Read(sequence, cancellation);
    }

    private static async IAsyncEnumerable<ChatResponseUpdate> Read(SequenceStream sequence, [EnumeratorCancellation] CancellationToken cancellation)
    {
        await foreach (var update in sequence.Updates.ReadAllAsync(cancellation).ConfigureAwait(false))
        {
            // Updates already queued are not handed to a caller that has gone away.
            cancellation.ThrowIfCancellationRequested();
            yield return update;
        }
    }
}
