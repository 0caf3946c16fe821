namespace Loom.Core;

/// <summary>Stable error codes: the CLI maps them to exit codes, the server to HTTP statuses.</summary>
public enum LoomErrorCode
{
    /// <summary>An argument or option was wrong (bad value, out of range).</summary>
    InvalidArgument = 2,
    /// <summary>Two shapes (or a shape and an op) do not fit together.</summary>
    ShapeMismatch = 3,
    /// <summary>A file is missing.</summary>
    FileNotFound = 4,
    /// <summary>A file exists but its content is malformed, truncated or of an unsupported kind.</summary>
    InvalidFormat = 5,
    /// <summary>The operation is valid but not supported (yet) by Loom.</summary>
    NotSupported = 6,
    /// <summary>A named thing (a served model id, a key, a prompt) does not exist; the message lists the known ones.</summary>
    NotFound = 7,
    /// <summary>A prompt (plus the tokens asked for) does not fit in the model's context (OpenAI's context_length_exceeded).</summary>
    ContextLengthExceeded = 8,
    /// <summary>An internal invariant failed; a bug in Loom.</summary>
    Internal = 10,
}

/// <summary>
/// The one exception type Loom's libraries throw for anything a user can cause. The message names what was wrong:
/// the file, field or op, what was expected and what was found.
/// </summary>
public sealed class LoomException : Exception
{
    public LoomErrorCode Code { get; }

    public LoomException(LoomErrorCode code, string message, Exception? inner = null) : base(message, inner)
    {
        Code = code;
    }

    /// <summary>Process exit code for this error (never 0 or 1, which mean success and an unexpected crash).</summary>
    public int ExitCode => (int)Code;

    public static LoomException Shape(string op, string detail) =>
        new(LoomErrorCode.ShapeMismatch, $"{op}: {detail}");

    public static LoomException Argument(string message) => new(LoomErrorCode.InvalidArgument, message);

    public static LoomException Format(string file, string message) =>
        new(LoomErrorCode.InvalidFormat, $"{file}: {message}");
}
