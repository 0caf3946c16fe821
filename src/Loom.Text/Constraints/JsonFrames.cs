namespace Loom.Text.Constraints;

/// <summary>What a frame does with one byte.</summary>
internal enum StepKind
{
    /// <summary>Consumed; the frame becomes <see cref="Step.Self"/>.</summary>
    Stay,
    /// <summary>Consumed; the frame becomes Self and <see cref="Step.Child"/> is pushed above it.</summary>
    Push,
    /// <summary>Not consumed; Self stays, Child is pushed and gets the byte.</summary>
    PushRefeed,
    /// <summary>Not consumed; the frame is replaced by Self, which gets the byte.</summary>
    Become,
    /// <summary>Consumed and the value is finished (Self, when set, is the finished frame the parent reads).</summary>
    Done,
    /// <summary>The value was already finished; the byte belongs to the parent.</summary>
    DoneRefeed,
}

internal readonly record struct Step(StepKind Kind, JsonFrame? Self = null, JsonFrame? Child = null);

/// <summary>
/// One level of the recognizer's pushdown stack. Frames are immutable, so a recognizer state is a persistent
/// stack: trying a byte (or a whole token) never copies anything, which is what makes masking a vocabulary cheap.
/// </summary>
internal abstract record JsonFrame
{
    public abstract void Feed(byte b, List<Step> steps);

    /// <summary>The frame after a child value finished.</summary>
    public virtual JsonFrame AfterChild(JsonFrame child) => throw new InvalidOperationException("frame has no children");

    /// <summary>True when end of input here would leave a finished value (numbers).</summary>
    public virtual bool CanEnd => false;

    public static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\t' or (byte)'\r';
}

/// <summary>A value is expected: picks the schema alternative(s) the first byte fits.</summary>
internal sealed record ValueFrame(JsonSchemaNode Schema) : JsonFrame
{
    public override void Feed(byte b, List<Step> steps)
    {
        if (IsSpace(b))
        {
            steps.Add(new Step(StepKind.Stay, this));
            return;
        }
        Expand(Schema, b, steps);
    }

    private static void Expand(JsonSchemaNode s, byte b, List<Step> steps)
    {
        if (s.Alternatives is { } alts)
        {
            foreach (var a in alts) Expand(a, b, steps);
            return;
        }
        if (s.Literals is { } lits)
        {
            var fits = lits.Where(l => l.Length > 0 && l[0] == b).ToArray();
            if (fits.Length > 0) steps.Add(new Step(StepKind.Become, new LiteralFrame(fits, 0)));
            return;
        }
        var k = s.Kinds;
        if (b == '{' && k.HasFlag(JsonKinds.Object)) steps.Add(new Step(StepKind.Become, new ObjectFrame(s, ObjectPhase.Start, [], null)));
        else if (b == '[' && k.HasFlag(JsonKinds.Array)) steps.Add(new Step(StepKind.Become, new ArrayFrame(s, ArrayPhase.Start, 0)));
        else if (b == '"' && k.HasFlag(JsonKinds.String)) steps.Add(new Step(StepKind.Become, new StringFrame(s.MinLength, s.MaxLength)));
        else if ((b == '-' || (b >= '0' && b <= '9')) && (k & (JsonKinds.Number | JsonKinds.Integer)) != 0)
            steps.Add(new Step(StepKind.Become, new NumberFrame(!k.HasFlag(JsonKinds.Number), NumberPhase.Start, 0)));
        else if ((b == 't' || b == 'f') && k.HasFlag(JsonKinds.Boolean)) steps.Add(new Step(StepKind.Become, new LiteralFrame([Lit.True, Lit.False], 0)));
        else if (b == 'n' && k.HasFlag(JsonKinds.Null)) steps.Add(new Step(StepKind.Become, new LiteralFrame([Lit.Null], 0)));
    }
}

internal static class Lit
{
    public static readonly byte[] True = "true"u8.ToArray(), False = "false"u8.ToArray(), Null = "null"u8.ToArray();
}

/// <summary>Matches one of a fixed set of texts (true/false/null, enum and const values).</summary>
internal sealed record LiteralFrame(byte[][] Candidates, int Position) : JsonFrame
{
    public override void Feed(byte b, List<Step> steps)
    {
        var rest = Candidates.Where(c => c.Length > Position && c[Position] == b).ToArray();
        if (rest.Length == 0)
        {
            // A finished shorter candidate (enum [1, 12] after "1") hands the byte to the parent.
            if (Candidates.Any(c => c.Length == Position)) steps.Add(new Step(StepKind.DoneRefeed));
            return;
        }
        bool longer = rest.Any(c => c.Length > Position + 1);
        if (rest.Any(c => c.Length == Position + 1) && !longer) steps.Add(new Step(StepKind.Done));
        else steps.Add(new Step(StepKind.Stay, new LiteralFrame(rest, Position + 1)));
    }

    public override bool CanEnd => Candidates.Any(c => c.Length == Position);
}

internal enum ObjectPhase { Start, Open, Key, Colon, Value, AfterValue, Comma }

internal sealed record ObjectFrame(JsonSchemaNode Schema, ObjectPhase Phase, string[] Seen, string? Key) : JsonFrame
{
    public override void Feed(byte b, List<Step> steps)
    {
        if (IsSpace(b) && Phase is ObjectPhase.Open or ObjectPhase.Colon or ObjectPhase.AfterValue or ObjectPhase.Comma)
        {
            steps.Add(new Step(StepKind.Stay, this));
            return;
        }
        switch (Phase)
        {
            case ObjectPhase.Start when b == '{':
                steps.Add(new Step(StepKind.Stay, this with { Phase = ObjectPhase.Open }));
                break;
            case ObjectPhase.Open when b == '}':
                if (Schema.Required.Count == 0) steps.Add(new Step(StepKind.Done));
                break;
            case ObjectPhase.Open or ObjectPhase.Comma when b == '"':
                if (FreeKeys) steps.Add(new Step(StepKind.PushRefeed, this with { Phase = ObjectPhase.Key }, new StringFrame(0, int.MaxValue)));
                else
                {
                    var names = (Schema.Properties?.Keys ?? Enumerable.Empty<string>()).Where(n => !Seen.Contains(n)).ToArray();
                    if (names.Length > 0) steps.Add(new Step(StepKind.PushRefeed, this with { Phase = ObjectPhase.Key }, new KeyFrame(names, [])));
                }
                break;
            case ObjectPhase.Colon when b == ':':
                steps.Add(new Step(StepKind.Push, this with { Phase = ObjectPhase.Value }, new ValueFrame(ValueSchema(Key))));
                break;
            case ObjectPhase.AfterValue when b == ',':
                if (FreeKeys || (Schema.Properties?.Keys.Any(n => !Seen.Contains(n)) ?? false)) steps.Add(new Step(StepKind.Stay, this with { Phase = ObjectPhase.Comma }));
                break;
            case ObjectPhase.AfterValue when b == '}':
                if (Schema.Required.All(Seen.Contains)) steps.Add(new Step(StepKind.Done));
                break;
        }
    }

    /// <summary>Keys are any string when undeclared properties are allowed (then they are not tracked).</summary>
    private bool FreeKeys => Schema.AdditionalProperties is not null;

    private JsonSchemaNode ValueSchema(string? key) =>
        key is not null && Schema.Properties is { } p && p.TryGetValue(key, out var s) ? s : Schema.AdditionalProperties ?? JsonSchemaNode.AnyValue;

    public override JsonFrame AfterChild(JsonFrame child) => Phase switch
    {
        ObjectPhase.Key => this with { Phase = ObjectPhase.Colon, Key = (child as KeyFrame)?.Name },
        _ => this with { Phase = ObjectPhase.AfterValue, Seen = Key is null ? Seen : [.. Seen, Key], Key = null },
    };
}

/// <summary>A property name restricted to the declared, not yet used names (compact JSON encoding).</summary>
internal sealed record KeyFrame(string[] Names, byte[] SoFar) : JsonFrame
{
    public string? Name { get; init; }

    public override void Feed(byte b, List<Step> steps)
    {
        if (SoFar.Length == 0)
        {
            if (b == '"') steps.Add(new Step(StepKind.Stay, this with { SoFar = [b] }));
            return;
        }
        byte[] next = [.. SoFar, b];
        foreach (var n in Names)
        {
            byte[] encoded = Encoded(n);
            if (encoded.AsSpan().SequenceEqual(next))
            {
                steps.Add(new Step(StepKind.Done, this with { SoFar = next, Name = n }));
                return;
            }
        }
        if (Names.Any(n => Encoded(n).AsSpan().StartsWith(next))) steps.Add(new Step(StepKind.Stay, this with { SoFar = next }));
    }

    private static byte[] Encoded(string name) => System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(name, JsonSchemaCompiler.Compact);

}

internal enum ArrayPhase { Start, Open, AfterValue, Comma }

internal sealed record ArrayFrame(JsonSchemaNode Schema, ArrayPhase Phase, int Count) : JsonFrame
{
    public override void Feed(byte b, List<Step> steps)
    {
        if (IsSpace(b) && Phase is ArrayPhase.Open or ArrayPhase.AfterValue or ArrayPhase.Comma)
        {
            steps.Add(new Step(StepKind.Stay, this));
            return;
        }
        switch (Phase)
        {
            case ArrayPhase.Start when b == '[':
                steps.Add(new Step(StepKind.Stay, this with { Phase = ArrayPhase.Open }));
                break;
            case ArrayPhase.Open when b == ']':
                if (Schema.MinItems == 0) steps.Add(new Step(StepKind.Done));
                break;
            case ArrayPhase.Open or ArrayPhase.Comma when b != ']':
                if (Count < Schema.MaxItems) steps.Add(new Step(StepKind.PushRefeed, this with { Phase = ArrayPhase.AfterValue, Count = Count + 1 }, new ValueFrame(Schema.Items)));
                break;
            case ArrayPhase.AfterValue when b == ',':
                if (Count < Schema.MaxItems) steps.Add(new Step(StepKind.Stay, this with { Phase = ArrayPhase.Comma }));
                break;
            case ArrayPhase.AfterValue when b == ']':
                if (Count >= Schema.MinItems) steps.Add(new Step(StepKind.Done));
                break;
        }
    }

    public override JsonFrame AfterChild(JsonFrame child) => this;
}

/// <summary>A string, byte by byte: escapes, UTF-8 sequences checked, length counted in characters.</summary>
internal sealed record StringFrame(int MinLength, int MaxLength) : JsonFrame
{
    private bool Opened { get; init; }
    private int Chars { get; init; }
    /// <summary>0 none; 1 after backslash; 2..5 inside \uXXXX (hex digits still expected = 6 − value).</summary>
    private int Escape { get; init; }
    private int Continuations { get; init; }

    public override void Feed(byte b, List<Step> steps)
    {
        if (!Opened)
        {
            if (b == '"') steps.Add(new Step(StepKind.Stay, this with { Opened = true }));
            return;
        }
        if (Continuations > 0)
        {
            if ((b & 0xC0) == 0x80) steps.Add(new Step(StepKind.Stay, this with { Continuations = Continuations - 1 }));
            return;
        }
        if (Escape == 1)
        {
            if (b == 'u') steps.Add(new Step(StepKind.Stay, this with { Escape = 2 }));
            else if ("\"\\/bfnrt"u8.Contains(b)) steps.Add(new Step(StepKind.Stay, this with { Escape = 0 }));
            return;
        }
        if (Escape >= 2)
        {
            if (Uri.IsHexDigit((char)b)) steps.Add(new Step(StepKind.Stay, this with { Escape = Escape == 5 ? 0 : Escape + 1 }));
            return;
        }
        if (b == '"')
        {
            if (Chars >= MinLength) steps.Add(new Step(StepKind.Done));
            return;
        }
        if (b < 0x20 || Chars >= MaxLength) return;
        int continuations = b < 0x80 ? 0 : b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2 : b >= 0xF0 && b <= 0xF4 ? 3 : -1;
        if (continuations < 0) return;
        steps.Add(new Step(StepKind.Stay, this with { Chars = Chars + 1, Escape = b == '\\' ? 1 : 0, Continuations = continuations }));
    }
}

internal enum NumberPhase { Start, Minus, Zero, Int, Dot, Frac, E, ESign, Exp }

/// <summary>A JSON number (or integer: no fraction or exponent), at most 24 characters so digits cannot run on forever.</summary>
internal sealed record NumberFrame(bool IntegerOnly, NumberPhase Phase, int Length) : JsonFrame
{
    private const int MaxLength = 24;

    public override void Feed(byte b, List<Step> steps)
    {
        bool digit = b >= '0' && b <= '9';
        NumberPhase? next = Phase switch
        {
            NumberPhase.Start => b == '-' ? NumberPhase.Minus : b == '0' ? NumberPhase.Zero : digit ? NumberPhase.Int : null,
            NumberPhase.Minus => b == '0' ? NumberPhase.Zero : digit ? NumberPhase.Int : null,
            NumberPhase.Zero => b == '.' && !IntegerOnly ? NumberPhase.Dot : (b == 'e' || b == 'E') && !IntegerOnly ? NumberPhase.E : null,
            NumberPhase.Int => digit ? NumberPhase.Int : b == '.' && !IntegerOnly ? NumberPhase.Dot : (b == 'e' || b == 'E') && !IntegerOnly ? NumberPhase.E : null,
            NumberPhase.Dot => digit ? NumberPhase.Frac : null,
            NumberPhase.Frac => digit ? NumberPhase.Frac : b == 'e' || b == 'E' ? NumberPhase.E : null,
            NumberPhase.E => digit ? NumberPhase.Exp : b == '+' || b == '-' ? NumberPhase.ESign : null,
            NumberPhase.ESign or NumberPhase.Exp => digit ? NumberPhase.Exp : null,
            _ => null,
        };
        if (next is { } n)
        {
            if (Length < MaxLength) steps.Add(new Step(StepKind.Stay, this with { Phase = n, Length = Length + 1 }));
        }
        else if (CanEnd) steps.Add(new Step(StepKind.DoneRefeed));
    }

    public override bool CanEnd => Phase is NumberPhase.Zero or NumberPhase.Int or NumberPhase.Frac or NumberPhase.Exp;
}
