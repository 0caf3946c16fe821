using static Loom.Tests.Text.Templates.TemplateTestHelpers;

namespace Loom.Tests.Text.Templates;

/// <summary>Whitespace control as Jinja applies it with Hugging Face's trim_blocks and lstrip_blocks.</summary>
public sealed class TemplateWhitespaceTests
{
    [Theory]
    [InlineData("a  {{- 'b' }}  c", "ab  c")]
    [InlineData("a  {{ 'b' -}}  \n c", "a  bc")]
    [InlineData("a \n {{- 'b' -}} \n c", "abc")]
    [InlineData("x \n{%- if true -%}\n  y  \n{%- endif -%}\n z", "xyz")]
    [InlineData("a {#- note -#} b", "ab")]
    public void MinusModifiersStripAllAdjacentWhitespace(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Fact]
    public void TrimBlocksDropsTheNewlineAfterABlockTagButNotAfterAnExpression()
    {
        // Jinja also drops the template's one trailing newline.
        Assert.Equal("a\nb", Render("{% if true %}\na\n{% endif %}\nb\n"));
        Assert.Equal("b\n", Render("b\n\n"));
        Assert.Equal("x\ny", Render("{{ 'x' }}\ny"));
        Assert.Equal("a", Render("{# comment #}\na"));
    }

    [Fact]
    public void LstripBlocksRemovesIndentationBeforeABlockTagOnItsOwnLine()
    {
        const string source = "<ul>\n    {% for x in xs %}\n    <li>{{ x }}</li>\n    {% endfor %}\n</ul>";
        Assert.Equal("<ul>\n    <li>1</li>\n    <li>2</li>\n</ul>", Render(source, new { xs = new[] { 1, 2 } }));
        // Text before the tag on the same line is not indentation, so it stays.
        Assert.Equal("a  b", Render("a  {% if true %}b{% endif %}"));
        // Expression tags are not blocks: their indentation stays.
        Assert.Equal("  v", Render("  {{ 'v' }}"));
    }

    [Fact]
    public void PlusModifiersOptOutOfLstripAndTrim()
    {
        Assert.Equal("  x", Render("  {%+ if true %}x{% endif %}"));
        Assert.Equal("\nx", Render("{% if true +%}\nx{% endif %}"));
    }

    [Fact]
    public void IndentedChatTemplateProducesNoStrayWhitespace()
    {
        const string source = """
            {%- for message in messages %}
                {%- if message.role == 'user' %}
                    {{- 'U:' + message.content + '\n' }}
                {%- else %}
                    {{- 'A:' + message.content + '\n' }}
                {%- endif %}
            {%- endfor %}
            """;
        var messages = new List<object?>
        {
            new Dictionary<string, object?> { ["role"] = "user", ["content"] = "hi" },
            new Dictionary<string, object?> { ["role"] = "assistant", ["content"] = "yo" },
        };
        Assert.Equal("U:hi\nA:yo\n", Render(source, new { messages }));
    }
}
