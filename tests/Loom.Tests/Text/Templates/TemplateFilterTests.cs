using static Loom.Tests.Text.Templates.TemplateTestHelpers;

namespace Loom.Tests.Text.Templates;

/// <summary>Filters, methods and is-tests.</summary>
public sealed class TemplateFilterTests
{
    private static readonly List<object?> People = new()
    {
        new Dictionary<string, object?> { ["name"] = "ann", ["role"] = "user", ["age"] = 30 },
        new Dictionary<string, object?> { ["name"] = "bob", ["role"] = "assistant" },
        new Dictionary<string, object?> { ["name"] = "cy", ["role"] = "user", ["age"] = 5 },
    };

    [Theory]
    [InlineData("{{ '  hi  ' | trim }}|{{ 'Hi' | upper }}|{{ 'Hi' | lower }}|{{ 'hELLO wORLD' | capitalize }}", "hi|HI|hi|Hello world")]
    [InlineData("{{ 'hello world' | title }}|{{ 'abc' | length }}|{{ [1, 2] | length }}|{{ {'a': 1} | count }}", "Hello World|3|2|1")]
    [InlineData("{{ x | default('d') }}|{{ '' | default('d') }}|{{ '' | default('d', true) }}|{{ none | default('d') }}", "d||d|None")]
    [InlineData("{{ [1, 2, 3] | join(', ') }}|{{ ['a', 'b'] | join }}|{{ [1, 2] | first }}|{{ [1, 2] | last }}", "1, 2, 3|ab|1|2")]
    [InlineData("{{ 'abc' | list }}|{{ 42 | string }}|{{ 'a-b-a' | replace('a', 'x') }}|{{ 'aaa' | replace('a', 'b', 2) }}", "['a', 'b', 'c']|42|x-b-x|bba")]
    [InlineData("{{ '42' | int + 1 }}|{{ '3.9' | int }}|{{ 'x' | int }}|{{ '2.5' | float }}|{{ 3 | float }}|{{ 2.7 | int }}", "43|3|0|2.5|3.0|2")]
    [InlineData("{{ '<b>' | safe }}|{{ [3, 1, 3] | unique | list }}|{{ [1, 2] | reverse | list }}", "<b>|[3, 1]|[2, 1]")]
    public void StringAndListFilters(string source, string expected) => Assert.Equal(expected, Render(source));

    [Fact]
    public void SelectRejectAndMapOverAttributes()
    {
        Assert.Equal("ann,cy", Render("{{ people | selectattr('role', 'equalto', 'user') | map(attribute='name') | join(',') }}", new { people = People }));
        Assert.Equal("bob", Render("{{ people | rejectattr('role', 'equalto', 'user') | map(attribute='name') | join(',') }}", new { people = People }));
        Assert.Equal("ann,cy", Render("{{ people | selectattr('age') | map(attribute='name') | join(',') }}", new { people = People }));
        Assert.Equal("ann,cy", Render("{{ people | selectattr('age', 'defined') | join(',', attribute='name') }}", new { people = People }));
        Assert.Equal("[30, 'n/a', 5]", Render("{{ people | map(attribute='age', default='n/a') | list }}", new { people = People }));
        Assert.Equal("['A', 'B']", Render("{{ ['a', 'b'] | map('upper') | list }}"));
        Assert.Equal("[1, 3]", Render("{{ [1, 2, 3] | select('odd') | list }}"));
        Assert.Equal("['b']", Render("{{ ['a', 'b'] | reject('equalto', 'a') | list }}"));
    }

    [Fact]
    public void ToJsonMatchesHuggingFaceDumps()
    {
        var tool = new Dictionary<string, object?>
        {
            ["name"] = "f",
            ["args"] = new List<object?> { 1, 2.5, true, null, "q\"\n\u00e9" },
            ["empty"] = new Dictionary<string, object?>(),
        };
        // Insertion order, ", " and ": " separators, non-ASCII kept (ensure_ascii=False).
        Assert.Equal("{\"name\": \"f\", \"args\": [1, 2.5, true, null, \"q\\\"\\n\u00e9\"], \"empty\": {}}", Render("{{ t | tojson }}", new { t = tool }));
        Assert.Equal("{\n  \"name\": \"f\",\n  \"args\": [\n    1,\n    2.5,\n    true,\n    null,\n    \"q\\\"\\n\u00e9\"\n  ],\n  \"empty\": {}\n}",
            Render("{{ t | tojson(indent=2) }}", new { t = tool }));
        Assert.Equal("\"<tag>&\"", Render("{{ '<tag>&' | tojson }}"));
    }

    [Theory]
    [InlineData("{{ '  x \n' .strip() }}|{{ 'xxhixx'.strip('x') }}|{{ '\n\nhi'.lstrip('\n') }}|{{ 'hi  '.rstrip() }}|", "x|hi|hi|hi|")]
    [InlineData("{{ 'hello'.startswith('he') }}{{ 'hello'.endswith('lo') }}{{ 'hello'.startswith(('x', 'h')) }}{{ 'hi'.endswith('x') }}", "TrueTrueTrueFalse")]
    [InlineData("{{ 'a,b,,c'.split(',') }}|{{ '  a  b '.split() }}|{{ 'a<t>b<t>c'.split('<t>')[-1] }}|{{ 'a,b,c'.split(',', 1) }}", "['a', 'b', '', 'c']|['a', 'b']|c|['a', 'b,c']")]
    [InlineData("{{ 'Hi'.upper() }}{{ 'Hi'.lower() }}{{ 'a.b.c'.replace('.', '/') }}{{ ', '.join(['x', 'y']) }}", "HIhia/b/cx, y")]
    [InlineData("{{ d.get('a') }}|{{ d.get('z') }}|{{ d.get('z', 'dflt') }}|{{ d.items() | list }}|{{ d.keys() | list }}|{{ d.values() | list }}", "1|None|dflt|[('a', 1)]|['a']|[1]")]
    public void MethodsBehaveAsInPython(string source, string expected) =>
        Assert.Equal(expected, Render(source, new { d = new Dictionary<string, object?> { ["a"] = 1 } }));

    [Theory]
    [InlineData("x is defined", false)]
    [InlineData("x is undefined", true)]
    [InlineData("s is defined", true)]
    [InlineData("n is none", true)]
    [InlineData("s is not none", true)]
    [InlineData("s is string", true)]
    [InlineData("l is string", false)]
    [InlineData("d is mapping", true)]
    [InlineData("l is mapping", false)]
    [InlineData("l is iterable", true)]
    [InlineData("s is iterable", true)]
    [InlineData("i is iterable", false)]
    [InlineData("i is number", true)]
    [InlineData("i is integer", true)]
    [InlineData("f is float", true)]
    [InlineData("b is false", true)]
    [InlineData("b is true", false)]
    [InlineData("b is boolean", true)]
    [InlineData("i is even", true)]
    [InlineData("i is odd", false)]
    [InlineData("i is divisibleby(3)", false)]
    [InlineData("s is equalto 'str'", true)]
    [InlineData("not s is none", true)]
    [InlineData("s is defined and n is none", true)]
    public void IsTests(string expression, bool expected)
    {
        var result = Render("{{ " + expression + " }}", new
        {
            s = "str", n = (object?)null, d = new Dictionary<string, object?>(), l = new List<object?>(), i = 4, f = 1.5, b = false,
        });
        Assert.Equal(expected ? "True" : "False", result);
    }
}
