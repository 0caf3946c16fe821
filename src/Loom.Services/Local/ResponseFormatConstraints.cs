using Loom.Text.Constraints;
using Loom.Text.Sampling;
using Microsoft.Extensions.AI;

namespace Loom.Services.Local;

/// <summary>
/// The default <see cref="TokenConstraintFactory"/>: response_format json_object → any JSON object,
/// json_schema → that schema (unsupported keywords throw a LoomException naming them, which the server answers 400).
/// </summary>
public static class ResponseFormatConstraints
{
    public static ITokenConstraint? Create(ChatOptions options, ServedVocabulary vocabulary)
    {
        if (options.ResponseFormat is not ChatResponseFormatJson json) return null;
        var recognizer = json.Schema is { } schema ? JsonRecognizer.ForSchema(schema) : JsonRecognizer.AnyObject();
        return new JsonTokenConstraint(recognizer, vocabulary.Size, vocabulary.TokenBytes, vocabulary.EndOfGeneration);
    }
}
