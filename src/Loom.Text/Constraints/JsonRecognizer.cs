namespace Loom.Text.Constraints;

/// <summary>
/// An incremental, byte-level pushdown recognizer for JSON documents that satisfy a compiled schema. States are
/// immutable values: <see cref="Feed(JsonRecognizer.State, byte)"/> returns a new state (or null when the byte
/// cannot continue any valid document), so trying candidate tokens costs no copying. A state holds several stacks
/// when the schema is ambiguous so far (anyOf, enum values that prefix each other).
/// </summary>
public sealed class JsonRecognizer
{
    /// <summary>Consecutive whitespace bytes allowed anywhere; bounded so a model cannot pad forever.</summary>
    public const int MaxWhitespaceRun = 4;

    private readonly JsonSchemaNode _root;

    public JsonRecognizer(JsonSchemaNode root) => _root = root;

    /// <summary>Any JSON object (response_format json_object).</summary>
    public static JsonRecognizer AnyObject() => new(new JsonSchemaNode { Kinds = JsonKinds.Object });

    public static JsonRecognizer ForSchema(System.Text.Json.JsonElement schema) => new(JsonSchemaCompiler.Compile(schema));

    internal sealed record Stack(JsonFrame Top, Stack? Rest);

    /// <summary>A recognizer position: the live stacks (null stack = root finished) and the current whitespace run.</summary>
    public sealed class State
    {
        internal State(IReadOnlyList<Stack?> alternatives, int spaces)
        {
            Alternatives = alternatives;
            Spaces = spaces;
        }

        internal IReadOnlyList<Stack?> Alternatives { get; }
        internal int Spaces { get; }

        /// <summary>True when the text so far is a whole document: the root value closed (or a root number may end).</summary>
        public bool IsComplete => Alternatives.Any(a => a is null || (a.Rest is null && a.Top.CanEnd));

        /// <summary>True when the root value has closed and nothing more may follow.</summary>
        public bool IsClosed => Alternatives.Any(a => a is null);
    }

    public State Start => new([new Stack(new ValueFrame(_root), null)], 0);

    /// <summary>The state after <paramref name="b"/>, or null when no valid document continues that way.</summary>
    public State? Feed(State state, byte b)
    {
        int spaces = JsonFrame.IsSpace(b) ? state.Spaces + 1 : 0;
        if (spaces > MaxWhitespaceRun) return null;
        var next = new List<Stack?>();
        var steps = new List<Step>();
        foreach (var stack in state.Alternatives)
            if (stack is not null) Apply(stack, b, next, steps, 0);
        return next.Count == 0 ? null : new State(next, spaces);
    }

    /// <summary>The state after every byte of <paramref name="bytes"/>, or null.</summary>
    public State? Feed(State state, ReadOnlySpan<byte> bytes)
    {
        State? s = state;
        foreach (byte b in bytes)
        {
            s = Feed(s, b);
            if (s is null) return null;
        }
        return s;
    }

    /// <summary>True when <paramref name="text"/> is a complete valid document.</summary>
    public bool Accepts(ReadOnlySpan<byte> text) => Feed(Start, text) is { IsComplete: true };

    private static void Apply(Stack stack, byte b, List<Stack?> output, List<Step> scratch, int depth)
    {
        if (depth > 256) return;
        scratch.Clear();
        stack.Top.Feed(b, scratch);
        var steps = scratch.ToArray();
        foreach (var step in steps)
        {
            switch (step.Kind)
            {
                case StepKind.Stay:
                    output.Add(stack with { Top = step.Self! });
                    break;
                case StepKind.Push:
                    output.Add(new Stack(step.Child!, stack with { Top = step.Self! }));
                    break;
                case StepKind.PushRefeed:
                    Apply(new Stack(step.Child!, stack with { Top = step.Self! }), b, output, scratch, depth + 1);
                    break;
                case StepKind.Become:
                    Apply(stack with { Top = step.Self! }, b, output, scratch, depth + 1);
                    break;
                case StepKind.Done:
                    output.Add(Pop(stack, step.Self ?? stack.Top));
                    break;
                case StepKind.DoneRefeed:
                    if (Pop(stack, stack.Top) is { } parent) Apply(parent, b, output, scratch, depth + 1);
                    break;
            }
        }
    }

    private static Stack? Pop(Stack stack, JsonFrame finished) =>
        stack.Rest is null ? null : stack.Rest with { Top = stack.Rest.Top.AfterChild(finished) };
}
