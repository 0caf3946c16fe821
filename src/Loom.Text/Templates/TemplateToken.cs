namespace Loom.Text.Templates;

internal enum TemplateTokenKind
{
    Text,          // raw text between tags, whitespace control already applied
    VariableBegin, // {{
    VariableEnd,   // }}
    BlockBegin,    // {%
    BlockEnd,      // %}
    Name,
    String,
    Integer,
    Float,
    Operator,      // punctuation and symbolic operators: + - * / // % ** ~ == != < > <= >= = ( ) [ ] { } , . : |
    End,
}

/// <summary>One lexed token with where it starts in the template (1-based line and column).</summary>
internal readonly record struct TemplateToken(TemplateTokenKind Kind, string Value, int Line, int Column)
{
    public bool Is(TemplateTokenKind kind, string value) => Kind == kind && Value == value;
    public override string ToString() => Kind == TemplateTokenKind.End ? "end of template" : $"'{Value}'";
}
