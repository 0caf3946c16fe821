using System.Text;
using Loom.Core;

namespace Loom.Text.Templates;

/// <summary>A failure inside a filter, method or operator; the evaluator adds the line, column and construct.</summary>
internal sealed class TemplateRuntimeError(string message) : Exception(message);

/// <summary>
/// Walks the syntax tree and writes the output. Scoping follows Jinja: a for loop's body and a macro get their
/// own scope (so <c>{% set %}</c> inside a loop does not leak out — the reason templates use namespace()), while
/// if blocks share the enclosing one.
/// </summary>
internal sealed class TemplateEvaluator
{
    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;
        public Dictionary<string, object?> Variables { get; } = new();
    }

    private enum Flow { Normal, Break, Continue }

    private readonly Scope globals;
    private Scope scope;

    private TemplateEvaluator(Dictionary<string, object?> variables, Func<DateTime> clock)
    {
        globals = new Scope(null);
        foreach (var (name, value) in TemplateGlobals.Create(clock)) globals.Variables[name] = value;
        foreach (var (name, value) in variables) globals.Variables[name] = value;
        scope = new Scope(globals);
    }

    public static string Render(List<Node> nodes, Dictionary<string, object?> variables, Func<DateTime> clock)
    {
        var evaluator = new TemplateEvaluator(variables, clock);
        var output = new StringBuilder();
        evaluator.Execute(nodes, output);
        return output.ToString();
    }

    private Flow Execute(List<Node> nodes, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            var flow = ExecuteNode(node, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow ExecuteNode(Node node, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode print:
                output.Append(TemplateValues.ToText(Evaluate(print.Value)));
                return Flow.Normal;
            case IfNode conditional:
                foreach (var (condition, body) in conditional.Branches)
                    if (TemplateValues.Truthy(Evaluate(condition))) return Execute(body, output);
                return conditional.Else is null ? Flow.Normal : Execute(conditional.Else, output);
            case ForNode loop:
                ExecuteFor(loop, output);
                return Flow.Normal;
            case SetNode set:
                ExecuteSet(set);
                return Flow.Normal;
            case SetBlockNode setBlock:
            {
                var captured = new StringBuilder();
                Execute(setBlock.Body, captured);
                scope.Variables[setBlock.Target] = captured.ToString();
                return Flow.Normal;
            }
            case MacroNode macro:
                scope.Variables[macro.Name] = MakeMacro(macro);
                return Flow.Normal;
            case BreakNode: return Flow.Break;
            case ContinueNode: return Flow.Continue;
            default:
                throw new LoomException(LoomErrorCode.Internal, $"chat template: no evaluator for {node.GetType().Name}");
        }
    }

    private void ExecuteSet(SetNode set)
    {
        var value = Evaluate(set.Value);
        if (set.Attribute is not null)
        {
            var target = Lookup(set.Targets[0]);
            if (target is not TemplateNamespace ns)
                throw TemplateError.At(set.Line, set.Column, "set",
                    $"can only assign attributes of a namespace(), but '{set.Targets[0]}' is {TemplateValues.TypeName(target)}");
            ns.Attributes[set.Attribute] = value;
            return;
        }
        if (set.Targets.Count == 1)
        {
            scope.Variables[set.Targets[0]] = value;
            return;
        }
        var items = Unpack(value, set.Targets.Count, set, "set");
        for (int i = 0; i < items.Count; i++) scope.Variables[set.Targets[i]] = items[i];
    }

    private void ExecuteFor(ForNode loop, StringBuilder output)
    {
        var iterable = Evaluate(loop.Iterable);
        var sequence = TemplateValues.Iterate(iterable)
            ?? throw TemplateError.At(loop.Iterable.Line, loop.Iterable.Column, "for",
                $"cannot iterate over {TemplateValues.TypeName(iterable)}");
        var outer = scope;
        var items = new List<object?>();
        if (loop.Filter is null) items.AddRange(sequence);
        else
        {
            foreach (var item in sequence)
            {
                scope = new Scope(outer);
                Bind(loop, item);
                if (TemplateValues.Truthy(Evaluate(loop.Filter))) items.Add(item);
            }
            scope = outer;
        }
        if (items.Count == 0)
        {
            if (loop.Else is not null) Execute(loop.Else, output);
            return;
        }
        try
        {
            for (int i = 0; i < items.Count; i++)
            {
                scope = new Scope(outer);
                Bind(loop, items[i]);
                scope.Variables["loop"] = LoopInfo(items, i);
                if (Execute(loop.Body, output) == Flow.Break) break;
            }
        }
        finally
        {
            scope = outer;
        }
    }

    private void Bind(ForNode loop, object? item)
    {
        if (loop.Targets.Count == 1)
        {
            scope.Variables[loop.Targets[0]] = item;
            return;
        }
        var parts = Unpack(item, loop.Targets.Count, loop, "for");
        for (int i = 0; i < parts.Count; i++) scope.Variables[loop.Targets[i]] = parts[i];
    }

    private static List<object?> Unpack(object? value, int count, Node at, string construct)
    {
        if (value is List<object?> list && list.Count == count) return list;
        throw TemplateError.At(at.Line, at.Column, construct,
            $"cannot unpack {TemplateValues.TypeName(value)} of length {TemplateValues.Length(value)?.ToString() ?? "?"} into {count} names");
    }

    private static Dictionary<string, object?> LoopInfo(List<object?> items, int i) => new()
    {
        ["index0"] = (long)i,
        ["index"] = (long)(i + 1),
        ["revindex0"] = (long)(items.Count - 1 - i),
        ["revindex"] = (long)(items.Count - i),
        ["first"] = i == 0,
        ["last"] = i == items.Count - 1,
        ["length"] = (long)items.Count,
        ["previtem"] = i > 0 ? items[i - 1] : Undefined.Instance,
        ["nextitem"] = i + 1 < items.Count ? items[i + 1] : Undefined.Instance,
        ["cycle"] = new TemplateCallable("loop.cycle", (args, _) => args.Count == 0 ? Undefined.Instance : args[i % args.Count]),
    };

    private TemplateCallable MakeMacro(MacroNode macro) => new(macro.Name, (args, kwargs) =>
    {
        if (args.Count > macro.Parameters.Count)
            throw new TemplateRuntimeError($"macro '{macro.Name}' takes {macro.Parameters.Count} arguments, {args.Count} given");
        var caller = scope;
        scope = new Scope(globals);
        try
        {
            for (int i = 0; i < macro.Parameters.Count; i++)
            {
                var (name, defaultValue) = macro.Parameters[i];
                scope.Variables[name] = i < args.Count ? args[i]
                    : kwargs.TryGetValue(name, out var named) ? named
                    : defaultValue is null ? Undefined.Instance : Evaluate(defaultValue);
            }
            var output = new StringBuilder();
            Execute(macro.Body, output);
            return output.ToString();
        }
        finally
        {
            scope = caller;
        }
    });

    private object? Lookup(string name)
    {
        for (var s = scope; s is not null; s = s.Parent)
            if (s.Variables.TryGetValue(name, out var value)) return value;
        return Undefined.Instance;
    }

    // ---- expressions ----

    private object? Evaluate(Expr expr)
    {
        try
        {
            return EvaluateCore(expr);
        }
        catch (TemplateRuntimeError e)
        {
            throw TemplateError.At(expr.Line, expr.Column, Describe(expr), e.Message);
        }
    }

    private static string Describe(Expr expr) => expr switch
    {
        FilterExpr f => $"filter '{f.Name}'",
        TestExpr t => $"test 'is {t.Name}'",
        CallExpr { Callee: AttributeExpr a } => $"method '{a.Name}()'",
        CallExpr { Callee: NameExpr n } => $"call '{n.Name}()'",
        CallExpr => "call",
        BinaryExpr b => $"operator '{b.Op}'",
        UnaryExpr u => $"operator '{u.Op}'",
        AttributeExpr a => $"attribute '.{a.Name}'",
        SubscriptExpr or SliceExpr => "subscript",
        _ => "expression",
    };

    private object? EvaluateCore(Expr expr)
    {
        switch (expr)
        {
            case LiteralExpr literal: return literal.Value;
            case NameExpr name: return Lookup(name.Name);
            case ListExpr list:
            {
                var items = list.Items.Select(Evaluate).ToList();
                return list.IsTuple ? new TemplateTuple(items) : items;
            }
            case DictExpr dict:
            {
                var result = new Dictionary<string, object?>();
                foreach (var (key, value) in dict.Items)
                {
                    var k = Evaluate(key);
                    if (k is not string ks) throw new TemplateRuntimeError($"dict keys must be strings, found {TemplateValues.TypeName(k)}");
                    result[ks] = Evaluate(value);
                }
                return result;
            }
            case AttributeExpr attribute: return GetAttribute(Evaluate(attribute.Target), attribute.Name);
            case SubscriptExpr subscript: return GetItem(Evaluate(subscript.Target), Evaluate(subscript.Index));
            case SliceExpr slice:
                return TemplateSlicing.Slice(Evaluate(slice.Target),
                    slice.Start is null ? null : Evaluate(slice.Start),
                    slice.Stop is null ? null : Evaluate(slice.Stop),
                    slice.Step is null ? null : Evaluate(slice.Step));
            case CallExpr call: return EvaluateCall(call);
            case FilterExpr filter:
                return TemplateFilters.Apply(filter.Name, Evaluate(filter.Target),
                    filter.Args.Select(Evaluate).ToList(), EvaluateKwargs(filter.Kwargs));
            case TestExpr test:
            {
                var result = TemplateTests.Apply(test.Name, Evaluate(test.Target), test.Args.Select(Evaluate).ToList());
                return test.Negated ? !result : result;
            }
            case UnaryExpr unary:
            {
                var operand = Evaluate(unary.Operand);
                return unary.Op switch
                {
                    "not" => !TemplateValues.Truthy(operand),
                    "-" => operand switch
                    {
                        long l => (object)(-l),
                        double d => -d,
                        _ => throw new TemplateRuntimeError($"bad operand for unary -: {TemplateValues.TypeName(operand)}"),
                    },
                    _ => TemplateValues.IsNumber(operand) ? operand
                        : throw new TemplateRuntimeError($"bad operand for unary +: {TemplateValues.TypeName(operand)}"),
                };
            }
            case BinaryExpr binary:
            {
                if (binary.Op == "and")
                {
                    var left = Evaluate(binary.Left);
                    return TemplateValues.Truthy(left) ? Evaluate(binary.Right) : left;
                }
                if (binary.Op == "or")
                {
                    var left = Evaluate(binary.Left);
                    return TemplateValues.Truthy(left) ? left : Evaluate(binary.Right);
                }
                return TemplateOperators.Apply(binary.Op, Evaluate(binary.Left), Evaluate(binary.Right));
            }
            case ConditionalExpr conditional:
                return TemplateValues.Truthy(Evaluate(conditional.Condition)) ? Evaluate(conditional.Then)
                    : conditional.Else is null ? Undefined.Instance : Evaluate(conditional.Else);
            default:
                throw new LoomException(LoomErrorCode.Internal, $"chat template: no evaluator for {expr.GetType().Name}");
        }
    }

    private Dictionary<string, object?> EvaluateKwargs(List<(string Name, Expr Value)> kwargs)
    {
        var result = new Dictionary<string, object?>();
        foreach (var (name, value) in kwargs) result[name] = Evaluate(value);
        return result;
    }

    private object? EvaluateCall(CallExpr call)
    {
        if (call.Callee is AttributeExpr method)
        {
            var target = Evaluate(method.Target);
            var args = call.Args.Select(Evaluate).ToList();
            var kwargs = EvaluateKwargs(call.Kwargs);
            if (target is Dictionary<string, object?> d && d.TryGetValue(method.Name, out var member) && member is TemplateCallable c)
                return c.Invoke(args, kwargs);
            if (target is TemplateNamespace ns && ns.Attributes.TryGetValue(method.Name, out var nsMember) && nsMember is TemplateCallable nc)
                return nc.Invoke(args, kwargs);
            if (target is Undefined)
                throw new TemplateRuntimeError($"cannot call '{method.Name}()' on an undefined value");
            return TemplateMethods.Call(target, method.Name, args, kwargs);
        }
        var callee = Evaluate(call.Callee);
        if (callee is not TemplateCallable callable)
        {
            var what = call.Callee is NameExpr n ? $"'{n.Name}'" : "the value";
            throw new TemplateRuntimeError(callee is Undefined ? $"{what} is undefined" : $"{what} is not callable ({TemplateValues.TypeName(callee)})");
        }
        return callable.Invoke(call.Args.Select(Evaluate).ToList(), EvaluateKwargs(call.Kwargs));
    }

    internal static object? GetAttribute(object? target, string name) => target switch
    {
        Undefined => throw new TemplateRuntimeError($"cannot read '{name}' of an undefined value"),
        Dictionary<string, object?> d => d.TryGetValue(name, out var value) ? value : Undefined.Instance,
        TemplateNamespace ns => ns.Attributes.TryGetValue(name, out var value) ? value : Undefined.Instance,
        List<object?> list when long.TryParse(name, out var i) => GetItem(list, i),
        _ => Undefined.Instance,
    };

    internal static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined:
                throw new TemplateRuntimeError($"cannot index an undefined value with {TemplateValues.Repr(key)}");
            case Dictionary<string, object?> d:
                return key is string ks && d.TryGetValue(ks, out var value) ? value : Undefined.Instance;
            case TemplateNamespace ns:
                return key is string nk && ns.Attributes.TryGetValue(nk, out var nv) ? nv : Undefined.Instance;
            case List<object?> list when key is long or bool:
            {
                long i = (long)TemplateValues.ToDouble(key);
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : Undefined.Instance;
            }
            case string s when key is long:
            {
                var runes = s.EnumerateRunes().ToList();
                long i = (long)key;
                if (i < 0) i += runes.Count;
                return i >= 0 && i < runes.Count ? runes[(int)i].ToString() : Undefined.Instance;
            }
            default:
                return Undefined.Instance;
        }
    }
}
