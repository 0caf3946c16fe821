using Loom.Text.Sampling;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// Builds the <see cref="ITokenConstraint"/> a request asks for (e.g. from <see cref="ChatOptions.ResponseFormat"/> or
/// its tools), or null when it asks for none. Called once per sequence; set it on
/// <see cref="LocalModelCatalogOptions.Constraints"/>.
/// </summary>
public delegate ITokenConstraint? TokenConstraintFactory(ChatOptions options, ServedVocabulary vocabulary);

/// <summary>What a constraint needs to know about a model's tokens: how many, each one's bytes, and which end a
/// generation.</summary>
public sealed record ServedVocabulary(int Size, Func<int, byte[]> TokenBytes, IReadOnlySet<int> EndOfGeneration);
