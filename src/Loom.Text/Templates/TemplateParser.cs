using System.Globalization;

namespace Loom.Text.Templates;

/// <summary>Recursive-descent parser from tokens to the syntax tree, with Jinja's operator precedence.</summary>
internal sealed class TemplateParser
{
    private readonly List<TemplateToken> tokens;
    private int index;

    private TemplateParser(List<TemplateToken> tokens) => this.tokens = tokens;

    public static List<Node> Parse(List<TemplateToken> tokens)
    {
        var parser = new TemplateParser(tokens);
        var body = parser.ParseBody(out var stop);
        if (stop is not null)
            throw TemplateError.At(stop.Value.Line, stop.Value.Column, stop.Value.Value, "has no matching opening tag");
        return body;
    }

    private TemplateToken Current => tokens[index];
    private TemplateToken Next() => tokens[index++];

    /// <summary>Parses nodes until the end or a block tag whose keyword is in <paramref name="stopAt"/>; that
    /// keyword token is returned in <paramref name="stop"/> with the position just past it.</summary>
    private List<Node> ParseBody(out TemplateToken? stop, params string[] stopAt)
    {
        var nodes = new List<Node>();
        stop = null;
        while (Current.Kind != TemplateTokenKind.End)
        {
            var token = Next();
            switch (token.Kind)
            {
                case TemplateTokenKind.Text:
                    nodes.Add(new TextNode(token.Value, token.Line, token.Column));
                    break;
                case TemplateTokenKind.VariableBegin:
                    var expr = ParseExpression();
                    Expect(TemplateTokenKind.VariableEnd, "}}", "expression");
                    nodes.Add(new OutputNode(expr, token.Line, token.Column));
                    break;
                case TemplateTokenKind.BlockBegin:
                    var keyword = Current;
                    if (keyword.Kind != TemplateTokenKind.Name)
                        throw TemplateError.At(keyword.Line, keyword.Column, "statement", $"expected a keyword, found {keyword}");
                    if (Array.IndexOf(stopAt, keyword.Value) >= 0)
                    {
                        index++;
                        stop = keyword;
                        return nodes;
                    }
                    if (keyword.Value.StartsWith("end", StringComparison.Ordinal) || keyword.Value is "elif" or "else")
                        throw TemplateError.At(keyword.Line, keyword.Column, keyword.Value,
                            stopAt.Length == 0 ? "has no matching opening tag" : $"unexpected here (expected one of {string.Join(", ", stopAt)})");
                    index++;
                    nodes.Add(ParseStatement(keyword));
                    break;
                default:
                    throw TemplateError.At(token.Line, token.Column, "template", $"unexpected {token}");
            }
        }
        if (stopAt.Length > 0)
            throw TemplateError.At(Current.Line, Current.Column, stopAt[^1], $"reached the end of the template looking for '{{% {stopAt[^1]} %}}'");
        return nodes;
    }

    private Node ParseStatement(TemplateToken keyword)
    {
        switch (keyword.Value)
        {
            case "if": return ParseIf(keyword);
            case "for": return ParseFor(keyword);
            case "set": return ParseSet(keyword);
            case "macro": return ParseMacro(keyword);
            case "raw":
            {
                EndBlock("raw");
                var body = ParseBody(out _, "endraw");
                EndBlock("endraw");
                return body.Count == 1 ? body[0] : new TextNode("", keyword.Line, keyword.Column);
            }
            case "break": EndBlock("break"); return new BreakNode(keyword.Line, keyword.Column);
            case "continue": EndBlock("continue"); return new ContinueNode(keyword.Line, keyword.Column);
            default:
                throw TemplateError.At(keyword.Line, keyword.Column, keyword.Value, "is not a supported statement");
        }
    }

    private IfNode ParseIf(TemplateToken keyword)
    {
        var branches = new List<(Expr, List<Node>)>();
        List<Node>? elseBody = null;
        var condition = ParseExpression();
        EndBlock("if");
        while (true)
        {
            var body = ParseBody(out var stop, "elif", "else", "endif");
            branches.Add((condition, body));
            if (stop!.Value.Value == "elif")
            {
                condition = ParseExpression();
                EndBlock("elif");
                continue;
            }
            if (stop.Value.Value == "else")
            {
                EndBlock("else");
                elseBody = ParseBody(out _, "endif");
            }
            EndBlock("endif");
            return new IfNode(branches, elseBody, keyword.Line, keyword.Column);
        }
    }

    private ForNode ParseFor(TemplateToken keyword)
    {
        var targets = new List<string> { ExpectName("for") };
        while (Current.Is(TemplateTokenKind.Operator, ","))
        {
            index++;
            targets.Add(ExpectName("for"));
        }
        ExpectKeyword("in", "for");
        var iterable = ParseOr(); // not a full expression: 'if' here is the loop filter, not a ternary
        Expr? filter = null;
        if (Current.Is(TemplateTokenKind.Name, "if"))
        {
            index++;
            filter = ParseOr();
        }
        if (Current.Is(TemplateTokenKind.Name, "recursive"))
            throw TemplateError.At(Current.Line, Current.Column, "for", "recursive loops are not supported");
        EndBlock("for");
        var body = ParseBody(out var stop, "else", "endfor");
        List<Node>? elseBody = null;
        if (stop!.Value.Value == "else")
        {
            EndBlock("else");
            elseBody = ParseBody(out _, "endfor");
        }
        EndBlock("endfor");
        return new ForNode(targets, iterable, filter, body, elseBody, keyword.Line, keyword.Column);
    }

    private Node ParseSet(TemplateToken keyword)
    {
        var first = ExpectName("set");
        if (Current.Is(TemplateTokenKind.Operator, "."))
        {
            index++;
            var attribute = ExpectName("set");
            Expect(TemplateTokenKind.Operator, "=", "set");
            var value = ParseExpression();
            EndBlock("set");
            return new SetNode(new List<string> { first }, attribute, value, keyword.Line, keyword.Column);
        }
        var targets = new List<string> { first };
        while (Current.Is(TemplateTokenKind.Operator, ","))
        {
            index++;
            targets.Add(ExpectName("set"));
        }
        if (Current.Kind == TemplateTokenKind.BlockEnd && targets.Count == 1)
        {
            EndBlock("set");
            var body = ParseBody(out _, "endset");
            EndBlock("endset");
            return new SetBlockNode(first, body, keyword.Line, keyword.Column);
        }
        Expect(TemplateTokenKind.Operator, "=", "set");
        var expr = ParseTupleOrExpression();
        EndBlock("set");
        return new SetNode(targets, null, expr, keyword.Line, keyword.Column);
    }

    private MacroNode ParseMacro(TemplateToken keyword)
    {
        var name = ExpectName("macro");
        Expect(TemplateTokenKind.Operator, "(", "macro");
        var parameters = new List<(string, Expr?)>();
        while (!Current.Is(TemplateTokenKind.Operator, ")"))
        {
            var parameter = ExpectName("macro");
            Expr? defaultValue = null;
            if (Current.Is(TemplateTokenKind.Operator, "="))
            {
                index++;
                defaultValue = ParseExpression();
            }
            parameters.Add((parameter, defaultValue));
            if (!Current.Is(TemplateTokenKind.Operator, ",")) break;
            index++;
        }
        Expect(TemplateTokenKind.Operator, ")", "macro");
        EndBlock("macro");
        var body = ParseBody(out _, "endmacro");
        EndBlock("endmacro");
        return new MacroNode(name, parameters, body, keyword.Line, keyword.Column);
    }

    // ---- expressions, lowest precedence first ----

    private Expr ParseTupleOrExpression()
    {
        var first = ParseExpression();
        if (!Current.Is(TemplateTokenKind.Operator, ",")) return first;
        var items = new List<Expr> { first };
        while (Current.Is(TemplateTokenKind.Operator, ","))
        {
            index++;
            items.Add(ParseExpression());
        }
        return new ListExpr(items, first.Line, first.Column, IsTuple: true);
    }

    private Expr ParseExpression()
    {
        var value = ParseOr();
        while (Current.Is(TemplateTokenKind.Name, "if"))
        {
            var token = Next();
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Current.Is(TemplateTokenKind.Name, "else"))
            {
                index++;
                otherwise = ParseExpression();
            }
            value = new ConditionalExpr(condition, value, otherwise, token.Line, token.Column);
        }
        return value;
    }

    private Expr ParseOr() => ParseLeftAssociative(ParseAnd, t => t.Is(TemplateTokenKind.Name, "or"));

    private Expr ParseAnd() => ParseLeftAssociative(ParseNot, t => t.Is(TemplateTokenKind.Name, "and"));

    /// <summary>One precedence level of left-associative binary operators.</summary>
    private Expr ParseLeftAssociative(Func<Expr> operand, Func<TemplateToken, bool> isOperator)
    {
        var left = operand();
        while (isOperator(Current))
        {
            var token = Next();
            left = new BinaryExpr(token.Value, left, operand(), token.Line, token.Column);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.Is(TemplateTokenKind.Name, "not"))
        {
            var token = Next();
            return new UnaryExpr("not", ParseNot(), token.Line, token.Column);
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var left = ParseConcat();
        while (true)
        {
            var token = Current;
            string? op = null;
            if (token.Kind == TemplateTokenKind.Operator && token.Value is "==" or "!=" or "<" or ">" or "<=" or ">=")
                op = token.Value;
            else if (token.Is(TemplateTokenKind.Name, "in"))
                op = "in";
            else if (token.Is(TemplateTokenKind.Name, "not") && tokens[index + 1].Is(TemplateTokenKind.Name, "in"))
            {
                index++;
                op = "not in";
            }
            if (op is null) return left;
            index++;
            left = new BinaryExpr(op, left, ParseConcat(), token.Line, token.Column);
        }
    }

    private Expr ParseConcat() => ParseLeftAssociative(ParseAdditive, t => t.Is(TemplateTokenKind.Operator, "~"));

    private Expr ParseAdditive() => ParseLeftAssociative(ParseMultiplicative,
        t => t.Kind == TemplateTokenKind.Operator && t.Value is "+" or "-");

    private Expr ParseMultiplicative() => ParseLeftAssociative(ParsePower,
        t => t.Kind == TemplateTokenKind.Operator && t.Value is "*" or "/" or "//" or "%");

    // Python's ** is right-associative and binds tighter than unary minus on its left; templates never rely on
    // either, so it is parsed as one more left-associative level.
    private Expr ParsePower() => ParseLeftAssociative(ParseUnary, t => t.Is(TemplateTokenKind.Operator, "**"));

    private Expr ParseUnary()
    {
        if (Current.Kind == TemplateTokenKind.Operator && Current.Value is "-" or "+")
        {
            var token = Next();
            return new UnaryExpr(token.Value, ParseUnary(), token.Line, token.Column);
        }
        return ParseFiltersAndTests(ParsePostfix(ParsePrimary()));
    }

    private Expr ParseFiltersAndTests(Expr target)
    {
        while (true)
        {
            if (Current.Is(TemplateTokenKind.Operator, "|"))
            {
                var token = Next();
                var name = ExpectName("filter");
                var (args, kwargs) = Current.Is(TemplateTokenKind.Operator, "(") ? ParseCallArguments() : (new(), new());
                target = new FilterExpr(target, name, args, kwargs, token.Line, token.Column);
            }
            else if (Current.Is(TemplateTokenKind.Name, "is"))
            {
                var token = Next();
                bool negated = false;
                if (Current.Is(TemplateTokenKind.Name, "not"))
                {
                    index++;
                    negated = true;
                }
                var name = ExpectName("is");
                var args = new List<Expr>();
                if (Current.Is(TemplateTokenKind.Operator, "("))
                    args = ParseCallArguments().Args;
                else if (Current.Kind is TemplateTokenKind.String or TemplateTokenKind.Integer or TemplateTokenKind.Float
                         || (Current.Kind == TemplateTokenKind.Name && Current.Value is not ("and" or "or" or "else" or "if" or "is" or "in" or "not")))
                    args.Add(ParsePostfix(ParsePrimary())); // 'x is sameas y', 'x is divisibleby 3'
                target = new TestExpr(target, name, negated, args, token.Line, token.Column);
            }
            else return target;
        }
    }

    private Expr ParsePostfix(Expr target)
    {
        while (true)
        {
            var token = Current;
            if (token.Is(TemplateTokenKind.Operator, "."))
            {
                index++;
                var name = Current;
                if (name.Kind is not (TemplateTokenKind.Name or TemplateTokenKind.Integer))
                    throw TemplateError.At(name.Line, name.Column, "attribute", $"expected a name after '.', found {name}");
                index++;
                target = new AttributeExpr(target, name.Value, token.Line, token.Column);
            }
            else if (token.Is(TemplateTokenKind.Operator, "["))
            {
                index++;
                target = ParseSubscript(target, token);
            }
            else if (token.Is(TemplateTokenKind.Operator, "("))
            {
                var (args, kwargs) = ParseCallArguments();
                target = new CallExpr(target, args, kwargs, token.Line, token.Column);
            }
            else return target;
        }
    }

    private Expr ParseSubscript(Expr target, TemplateToken open)
    {
        Expr? start = null, stop = null, step = null;
        if (!Current.Is(TemplateTokenKind.Operator, ":"))
        {
            start = ParseExpression();
            if (Current.Is(TemplateTokenKind.Operator, "]"))
            {
                index++;
                return new SubscriptExpr(target, start, open.Line, open.Column);
            }
        }
        Expect(TemplateTokenKind.Operator, ":", "subscript");
        if (!Current.Is(TemplateTokenKind.Operator, ":") && !Current.Is(TemplateTokenKind.Operator, "]"))
            stop = ParseExpression();
        if (Current.Is(TemplateTokenKind.Operator, ":"))
        {
            index++;
            if (!Current.Is(TemplateTokenKind.Operator, "]")) step = ParseExpression();
        }
        Expect(TemplateTokenKind.Operator, "]", "subscript");
        return new SliceExpr(target, start, stop, step, open.Line, open.Column);
    }

    private (List<Expr> Args, List<(string, Expr)> Kwargs) ParseCallArguments()
    {
        Expect(TemplateTokenKind.Operator, "(", "call");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!Current.Is(TemplateTokenKind.Operator, ")"))
        {
            if (Current.Kind == TemplateTokenKind.Name && tokens[index + 1].Is(TemplateTokenKind.Operator, "="))
            {
                var name = Next().Value;
                index++;
                kwargs.Add((name, ParseExpression()));
            }
            else
            {
                if (kwargs.Count > 0)
                    throw TemplateError.At(Current.Line, Current.Column, "call", "a positional argument follows a keyword argument");
                args.Add(ParseExpression());
            }
            if (!Current.Is(TemplateTokenKind.Operator, ",")) break;
            index++;
        }
        Expect(TemplateTokenKind.Operator, ")", "call");
        return (args, kwargs);
    }

    private Expr ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TemplateTokenKind.String:
            {
                // Adjacent string literals concatenate, as in Python.
                var text = token.Value;
                while (Current.Kind == TemplateTokenKind.String) text += Next().Value;
                return new LiteralExpr(text, token.Line, token.Column);
            }
            case TemplateTokenKind.Integer:
                if (!long.TryParse(token.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var integer))
                    throw TemplateError.At(token.Line, token.Column, "number", $"'{token.Value}' does not fit in 64 bits");
                return new LiteralExpr(integer, token.Line, token.Column);
            case TemplateTokenKind.Float:
                return new LiteralExpr(double.Parse(token.Value, CultureInfo.InvariantCulture), token.Line, token.Column);
            case TemplateTokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new LiteralExpr(true, token.Line, token.Column),
                    "false" or "False" => new LiteralExpr(false, token.Line, token.Column),
                    "none" or "None" => new LiteralExpr(null, token.Line, token.Column),
                    _ => new NameExpr(token.Value, token.Line, token.Column),
                };
            case TemplateTokenKind.Operator when token.Value == "(":
            {
                if (Current.Is(TemplateTokenKind.Operator, ")"))
                {
                    index++;
                    return new ListExpr(new List<Expr>(), token.Line, token.Column, IsTuple: true);
                }
                var inner = ParseExpression();
                if (Current.Is(TemplateTokenKind.Operator, ","))
                {
                    var items = new List<Expr> { inner };
                    while (Current.Is(TemplateTokenKind.Operator, ","))
                    {
                        index++;
                        if (Current.Is(TemplateTokenKind.Operator, ")")) break;
                        items.Add(ParseExpression());
                    }
                    inner = new ListExpr(items, token.Line, token.Column, IsTuple: true);
                }
                Expect(TemplateTokenKind.Operator, ")", "parenthesis");
                return inner;
            }
            case TemplateTokenKind.Operator when token.Value == "[":
            {
                var items = new List<Expr>();
                while (!Current.Is(TemplateTokenKind.Operator, "]"))
                {
                    items.Add(ParseExpression());
                    if (!Current.Is(TemplateTokenKind.Operator, ",")) break;
                    index++;
                }
                Expect(TemplateTokenKind.Operator, "]", "list");
                return new ListExpr(items, token.Line, token.Column);
            }
            case TemplateTokenKind.Operator when token.Value == "{":
            {
                var items = new List<(Expr, Expr)>();
                while (!Current.Is(TemplateTokenKind.Operator, "}"))
                {
                    var key = ParseExpression();
                    Expect(TemplateTokenKind.Operator, ":", "dict");
                    items.Add((key, ParseExpression()));
                    if (!Current.Is(TemplateTokenKind.Operator, ",")) break;
                    index++;
                }
                Expect(TemplateTokenKind.Operator, "}", "dict");
                return new DictExpr(items, token.Line, token.Column);
            }
            default:
                throw TemplateError.At(token.Line, token.Column, "expression", $"unexpected {token}");
        }
    }

    // ---- helpers ----

    private void Expect(TemplateTokenKind kind, string value, string construct)
    {
        var token = Current;
        if (!token.Is(kind, value))
            throw TemplateError.At(token.Line, token.Column, construct, $"expected '{value}', found {token}");
        index++;
    }

    private void ExpectKeyword(string keyword, string construct) => Expect(TemplateTokenKind.Name, keyword, construct);

    private string ExpectName(string construct)
    {
        var token = Current;
        if (token.Kind != TemplateTokenKind.Name)
            throw TemplateError.At(token.Line, token.Column, construct, $"expected a name, found {token}");
        index++;
        return token.Value;
    }

    private void EndBlock(string construct)
    {
        var token = Current;
        if (token.Kind != TemplateTokenKind.BlockEnd)
            throw TemplateError.At(token.Line, token.Column, construct, $"expected '%}}', found {token}");
        index++;
    }
}
