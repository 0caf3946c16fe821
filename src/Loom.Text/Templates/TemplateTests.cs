namespace Loom.Text.Templates;

/// <summary>The <c>is</c> tests: <c>x is defined</c>, <c>x is not none</c>, <c>x is string</c>, …</summary>
internal static class TemplateTests
{
    public static bool Apply(string name, object? value, List<object?> args)
    {
        object? Arg() => args.Count > 0 ? args[0] : throw new TemplateRuntimeError($"test '{name}' needs an argument");
        return name switch
        {
            "defined" => value is not Undefined,
            "undefined" => value is Undefined,
            "none" => value is null,
            "string" => value is string,
            "mapping" => value is Dictionary<string, object?> or TemplateNamespace,
            "iterable" => value is string or List<object?> or Dictionary<string, object?>,
            "sequence" => value is string or List<object?> or Dictionary<string, object?>,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "callable" => value is TemplateCallable,
            "even" => value is long l && l % 2 == 0,
            "odd" => value is long o && o % 2 != 0,
            "divisibleby" => value is long d && Arg() is long by && by != 0 && d % by == 0,
            "lower" => value is string s && s == s.ToLowerInvariant(),
            "upper" => value is string u && u == u.ToUpperInvariant(),
            "eq" or "equalto" or "==" => TemplateValues.Equals(value, Arg()),
            "ne" or "!=" => !TemplateValues.Equals(value, Arg()),
            "lt" or "lessthan" => TemplateValues.Compare(value, Arg()) < 0,
            "gt" or "greaterthan" => TemplateValues.Compare(value, Arg()) > 0,
            "le" => TemplateValues.Compare(value, Arg()) <= 0,
            "ge" => TemplateValues.Compare(value, Arg()) >= 0,
            "in" => TemplateOperators.Contains(Arg(), value),
            "sameas" => ReferenceEquals(value, Arg()) || (value is null or bool && TemplateValues.Equals(value, Arg())),
            _ => throw new TemplateRuntimeError($"unknown test '{name}'"),
        };
    }
}
