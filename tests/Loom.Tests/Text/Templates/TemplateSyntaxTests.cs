using static Loom.Tests.Text.Templates.TemplateTestHelpers;

namespace Loom.Tests.Text.Templates;

/// <summary>Each construct of the Jinja subset: output, literals, operators, control flow, scoping.</summary>
public sealed class TemplateSyntaxTests
{
    [Theory]
    [InlineData("{{ 'a' + \"b\" }}", "ab")]
    [InlineData("{{ 'it\\'s' }}|{{ \"tab\\there\" }}", "it's|tab\there")]
    [InlineData("{{ 'a' 'b' }}", "ab")]
    [InlineData("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }}", "3 -4 1 2 3.5 1024")]
    [InlineData("{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 1.5 + 1 }} {{ 4 / 2 }}", "7 9 2.5 2.0")]
    [InlineData("{{ 'ab' * 3 }} {{ [1] + [2] }}", "ababab [1, 2]")]
    [InlineData("{{ 1 ~ 'x' ~ none ~ true }}", "1xNoneTrue")]
    [InlineData("{{ true }} {{ false }} {{ none }} {{ True and None }}", "True False None None")]
    [InlineData("{{ [1, 'a', none, [true]] }} {{ {'k': 'v', 'n': 2} }}", "[1, 'a', None, [True]] {'k': 'v', 'n': 2}")]
    [InlineData("{{ 1 < 2 }} {{ 2 <= 1 }} {{ 'a' == 'a' }} {{ 1 == 1.0 }} {{ 'a' != 'b' }} {{ 'b' > 'a' }}", "True False True True True True")]
    [InlineData("{{ 'ell' in 'hello' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }}", "True True True True")]
    [InlineData("{{ not 0 }} {{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' or [] }}", "True x y []")]
    [InlineData("{{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 else 'no' }} [{{ 'only' if false }}]", "yes no []")]
    [InlineData("{{ -3 + +2 }} {{ -(1.5) }}", "-1 -1.5")]
    [InlineData("{{ 0.1 + 0.2 }} {{ 1e3 }} {{ 1_000 }}", "0.30000000000000004 1000.0 1000")]
    [InlineData("{{ 3 / 0.5 }} {{ 10 // 3.0 }} {{ 2 ** -1 }}", "6.0 3.0 0.5")]
    [InlineData("{{ 1e16 }} {{ 1e-5 }} {{ 123456789.123 }}", "1e+16 1e-05 123456789.123")]
    [InlineData("{{ 1e15 }} {{ 1.5e-4 }} {{ 12345678901234567.0 }} {{ 1e300 }} {{ -2.5 }} {{ 0.0001 }}", "1000000000000000.0 0.00015 1.2345678901234568e+16 1e+300 -2.5 0.0001")]
    [InlineData("{{ 'a' ~ missing ~ 'b' }}|{{ none | string }}|{{ 'x' if none }}|{{ '  '.strip() == '' }}", "ab|None||True")]
    [InlineData("{% set ns = namespace(a=1) %}{{ ns.a }}{{ ns }}", "1<Namespace {'a': 1}>")]
    [InlineData("{{ 'abc'[5:] }}|{{ 'abc'[-10:] }}|{{ [1, 2, 3][-10:2] }}", "|abc|[1, 2]")]
    public void ExpressionsFollowPythonSemantics(string source, string expected) =>
        Assert.Equal(expected, Render(source));

    [Fact]
    public void AttributeAndSubscriptReadMappingsAndLists()
    {
        var message = new Dictionary<string, object?> { ["role"] = "user", ["content"] = "Hi" };
        var xs = new List<object?> { 1, 2, 3, 4, 5 };
        Assert.Equal("user Hi user 1 5 4", Render("{{ m.role }} {{ m['content'] }} {{ ms[0].role }} {{ xs[0] }} {{ xs[-1] }} {{ xs.3 }}",
            new { m = message, ms = new List<object?> { message }, xs }));
        Assert.Equal("[]", Render("[{{ m.missing }}{{ xs[10] }}]", new { m = message, xs }));
    }

    [Theory]
    [InlineData("{{ xs[1:] }}", "[2, 3, 4, 5]")]
    [InlineData("{{ xs[:2] }}", "[1, 2]")]
    [InlineData("{{ xs[1:-1] }}", "[2, 3, 4]")]
    [InlineData("{{ xs[::-1] }}", "[5, 4, 3, 2, 1]")]
    [InlineData("{{ xs[::2] }}", "[1, 3, 5]")]
    [InlineData("{{ xs[-2:] }}", "[4, 5]")]
    [InlineData("{{ xs[3:1:-1] }}", "[4, 3]")]
    [InlineData("{{ xs[10:] }}", "[]")]
    [InlineData("{{ 'hello'[1:3] }}{{ 'hello'[::-1] }}{{ 'héllo'[:-1] }}", "elollehhéll")]
    public void SlicingMatchesPython(string source, string expected) =>
        Assert.Equal(expected, Render(source, new { xs = new List<object?> { 1, 2, 3, 4, 5 } }));

    [Fact]
    public void IfElifElseChoosesTheFirstTrueBranch()
    {
        const string source = "{% if x == 1 %}one{% elif x == 2 %}two{% elif x == 3 %}three{% else %}other{% endif %}";
        Assert.Equal("one", Render(source, new { x = 1 }));
        Assert.Equal("two", Render(source, new { x = 2 }));
        Assert.Equal("three", Render(source, new { x = 3 }));
        Assert.Equal("other", Render(source, new { x = 9 }));
        Assert.Equal("other", Render(source));
    }

    [Fact]
    public void ForLoopExposesLoopVariables()
    {
        const string source =
            "{% for x in xs %}{{ loop.index0 }}{{ loop.index }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.length }}" +
            "{{ 'F' if loop.first }}{{ 'L' if loop.last }}:{{ x }};{% endfor %}";
        Assert.Equal("01323F:a;12213:b;23103L:c;", Render(source, new { xs = new[] { "a", "b", "c" } }));
    }

    [Fact]
    public void ForLoopElseFilterUnpackingAndControl()
    {
        Assert.Equal("empty", Render("{% for x in xs %}{{ x }}{% else %}empty{% endfor %}", new { xs = Array.Empty<int>() }));
        Assert.Equal("empty", Render("{% for x in nothing %}{{ x }}{% else %}empty{% endfor %}"));
        // The loop filter runs before loop.length and loop.last are computed, as in Jinja.
        Assert.Equal("2/2 4/2L", Render("{% for x in xs if x is even %}{{ x }}/{{ loop.length }}{{ 'L' if loop.last }}{{ ' ' if not loop.last }}{% endfor %}",
            new { xs = new[] { 1, 2, 3, 4 } }));
        Assert.Equal("a=1,b=2,", Render("{% for k, v in d.items() %}{{ k }}={{ v }},{% endfor %}",
            new { d = new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 } }));
        Assert.Equal("a=1,b=2,", Render("{% for k, v in d | items %}{{ k }}={{ v }},{% endfor %}",
            new { d = new Dictionary<string, object?> { ["a"] = 1, ["b"] = 2 } }));
        Assert.Equal("13", Render("{% for x in xs %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %}",
            new { xs = new[] { 1, 2, 3, 4, 5 } }));
        Assert.Equal("0,1,2,", Render("{% for i in range(3) %}{{ i }},{% endfor %}"));
        Assert.Equal("5,3,", Render("{% for i in range(5, 1, -2) %}{{ i }},{% endfor %}"));
    }

    [Fact]
    public void SetInsideALoopDoesNotLeakButNamespaceAssignmentDoes()
    {
        const string source =
            "{% set count = 0 %}{% set ns = namespace(count=0, seen=none) %}" +
            "{% for x in xs %}{% set count = count + 1 %}{% set ns.count = ns.count + 1 %}{% set ns.seen = x %}{% endfor %}" +
            "{{ count }} {{ ns.count }} {{ ns.seen }}";
        Assert.Equal("0 3 c", Render(source, new { xs = new[] { "a", "b", "c" } }));
    }

    [Fact]
    public void SetSupportsTuplesAndBlocks()
    {
        Assert.Equal("1-2", Render("{% set a, b = 1, 2 %}{{ a }}-{{ b }}"));
        Assert.Equal("(1, 'x') (1,) ()", Render("{% set t = 1, 'x' %}{{ t }} {{ (1,) }} {{ () }}"));
        Assert.Equal("[<x>]", Render("{% set body %}<{{ v }}>{% endset %}[{{ body }}]", new { v = "x" }));
    }

    [Fact]
    public void MacrosTakePositionalKeywordAndDefaultArguments()
    {
        const string source = "{% macro tag(name, value='?') %}<{{ name }}={{ value }}>{% endmacro %}{{ tag('a', 1) }}{{ tag('b') }}{{ tag(value=3, name='c') }}";
        Assert.Equal("<a=1><b=?><c=3>", Render(source));
    }

    [Fact]
    public void CommentsAndRawBlocksRenderNothingAndVerbatim()
    {
        Assert.Equal("ab", Render("a{# a comment {{ x }} #}b"));
        Assert.Equal("{{ not evaluated }}", Render("{% raw %}{{ not evaluated }}{% endraw %}"));
    }

    [Fact]
    public void UndefinedIsFalsyEmptyAndIterable()
    {
        Assert.Equal("[]", Render("[{{ missing }}]"));
        Assert.Equal("no", Render("{% if missing %}yes{% else %}no{% endif %}"));
        Assert.Equal("", Render("{% for x in missing %}{{ x }}{% endfor %}"));
        Assert.Equal("fallback", Render("{{ missing | default('fallback') }}"));
        Assert.Equal("True", Render("{{ missing == missing2 }}"));
    }

    [Fact]
    public void StrftimeNowReadsTheInjectedClock()
    {
        Assert.Equal("07 Mar 2026", Render("{{ strftime_now('%d %b %Y') }}"));
        Assert.Equal("2026-03-07 14:05:09 Saturday March 7", Render("{{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %-d') }}"));
        Assert.Equal("yes", Render("{% if strftime_now is defined %}yes{% endif %}"));
    }
}
