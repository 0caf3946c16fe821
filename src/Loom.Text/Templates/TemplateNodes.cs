namespace Loom.Text.Templates;

// The syntax tree. Every node keeps the line and column of the token that began it so runtime errors can say where.

internal abstract record Node(int Line, int Column);

// ---- statements ----
internal sealed record TextNode(string Text, int Line, int Column) : Node(Line, Column);
internal sealed record OutputNode(Expr Value, int Line, int Column) : Node(Line, Column);
internal sealed record IfNode(List<(Expr Condition, List<Node> Body)> Branches, List<Node>? Else, int Line, int Column) : Node(Line, Column);
internal sealed record ForNode(List<string> Targets, Expr Iterable, Expr? Filter, List<Node> Body, List<Node>? Else, int Line, int Column) : Node(Line, Column);
/// <summary><c>{% set a = … %}</c>, <c>{% set a, b = … %}</c> or <c>{% set ns.attr = … %}</c> (Attribute non-null).</summary>
internal sealed record SetNode(List<string> Targets, string? Attribute, Expr Value, int Line, int Column) : Node(Line, Column);
/// <summary><c>{% set a %}…{% endset %}</c>: the rendered body becomes the value.</summary>
internal sealed record SetBlockNode(string Target, List<Node> Body, int Line, int Column) : Node(Line, Column);
internal sealed record MacroNode(string Name, List<(string Name, Expr? Default)> Parameters, List<Node> Body, int Line, int Column) : Node(Line, Column);
internal sealed record BreakNode(int Line, int Column) : Node(Line, Column);
internal sealed record ContinueNode(int Line, int Column) : Node(Line, Column);

// ---- expressions ----
internal abstract record Expr(int Line, int Column) : Node(Line, Column);
internal sealed record LiteralExpr(object? Value, int Line, int Column) : Expr(Line, Column);
internal sealed record NameExpr(string Name, int Line, int Column) : Expr(Line, Column);
internal sealed record ListExpr(List<Expr> Items, int Line, int Column, bool IsTuple = false) : Expr(Line, Column);
internal sealed record DictExpr(List<(Expr Key, Expr Value)> Items, int Line, int Column) : Expr(Line, Column);
internal sealed record AttributeExpr(Expr Target, string Name, int Line, int Column) : Expr(Line, Column);
internal sealed record SubscriptExpr(Expr Target, Expr Index, int Line, int Column) : Expr(Line, Column);
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step, int Line, int Column) : Expr(Line, Column);
internal sealed record CallExpr(Expr Callee, List<Expr> Args, List<(string Name, Expr Value)> Kwargs, int Line, int Column) : Expr(Line, Column);
internal sealed record FilterExpr(Expr Target, string Name, List<Expr> Args, List<(string Name, Expr Value)> Kwargs, int Line, int Column) : Expr(Line, Column);
internal sealed record TestExpr(Expr Target, string Name, bool Negated, List<Expr> Args, int Line, int Column) : Expr(Line, Column);
internal sealed record UnaryExpr(string Op, Expr Operand, int Line, int Column) : Expr(Line, Column);
internal sealed record BinaryExpr(string Op, Expr Left, Expr Right, int Line, int Column) : Expr(Line, Column);
internal sealed record ConditionalExpr(Expr Condition, Expr Then, Expr? Else, int Line, int Column) : Expr(Line, Column);
