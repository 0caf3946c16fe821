using Loom.Core;
using Loom.Text.Templates;
using static Loom.Tests.Text.Templates.TemplateTestHelpers;

namespace Loom.Tests.Text.Templates;

/// <summary>Syntax and runtime errors are LoomExceptions that name the line, the column and the construct.</summary>
public sealed class TemplateErrorTests
{
    [Theory]
    [InlineData("a\n{% if x %}b", "line 2", "endif")]
    [InlineData("{% for x in %}{% endfor %}", "line 1, column 13", "expression")]
    [InlineData("ok\n  {{ 1 + }}", "line 2, column 10", "expression")]
    [InlineData("{% endfor %}", "line 1, column 4", "endfor")]
    [InlineData("{{ 'open }}", "line 1, column 4", "string literal")]
    [InlineData("x\n\n{{ a", "line 3, column 1", "never closed")]
    [InlineData("{% frobnicate %}", "line 1, column 4", "frobnicate")]
    [InlineData("{% if a %}{% else %}{% elif b %}{% endif %}", "line 1", "elif")]
    [InlineData("{{ x | nosuchfilter }}", "line 1, column 6", "unknown filter 'nosuchfilter'")]
    [InlineData("\n{{ x is nosuchtest }}", "line 2, column 6", "unknown test 'nosuchtest'")]
    [InlineData("{{ 'a' + 1 }}", "line 1, column 8", "operator '+'")]
    [InlineData("{{ missing.attr }}", "line 1, column 11", "attribute '.attr'")]
    [InlineData("{{ 1 // 0 }}", "line 1", "division by zero")]
    [InlineData("{{ 'x'.nosuchmethod() }}", "line 1", "no method 'nosuchmethod'")]
    [InlineData("{% set y = 1 %}{% set y.attr = 2 %}", "line 1, column 19", "namespace()")]
    [InlineData("{{ nofunc() }}", "line 1", "'nofunc' is undefined")]
    public void ErrorsNameLineColumnAndConstruct(string source, string where, string what)
    {
        var error = Assert.Throws<LoomException>(() => Render(source));
        Assert.Contains(where, error.Message);
        Assert.Contains(what, error.Message);
    }

    [Fact]
    public void RaiseExceptionCarriesTheTemplatesMessage()
    {
        var template = ChatTemplate.Parse("{% if messages[0].role == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}ok");
        Assert.Equal("ok", template.Render(new[] { User("hi") }, false));
        var error = Assert.Throws<LoomException>(() => template.Render(new[] { Sys("s"), User("hi") }, false));
        Assert.Equal(LoomErrorCode.InvalidArgument, error.Code);
        Assert.Contains("System role not supported", error.Message);
    }

    [Fact]
    public void UnknownFallbackListsTheKnownNames()
    {
        var error = Assert.Throws<LoomException>(() => ChatTemplates.Fallback("nope"));
        Assert.Contains("chatml", error.Message);
        Assert.Contains("llama3", error.Message);
    }
}
