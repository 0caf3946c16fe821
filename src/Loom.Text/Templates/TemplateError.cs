using Loom.Core;

namespace Loom.Text.Templates;

/// <summary>Builds the errors the template engine throws: each names the line, column and construct.</summary>
internal static class TemplateError
{
    public static LoomException At(int line, int column, string construct, string detail) =>
        new(LoomErrorCode.InvalidFormat, $"chat template line {line}, column {column}: {construct}: {detail}");
}
