namespace Loom.Server.Errors;

/// <summary>
/// A request the server refuses, already in OpenAI's terms: the HTTP status, the error type
/// ("invalid_request_error", …), the offending parameter (dotted path, e.g. "messages[1].content") and a code.
/// Thrown by request parsing and endpoints; the error middleware writes it as <c>{"error": {…}}</c>.
/// </summary>
public sealed class ApiException(int status, string message, string? param = null, string? code = null,
    string type = ApiException.InvalidRequest) : Exception(message)
{
    public const string InvalidRequest = "invalid_request_error";
    public const string NotFoundType = "not_found_error";
    public const string ServerError = "server_error";

    public int Status { get; } = status;
    public string? Param { get; } = param;
    public string? Code { get; } = code;
    public string Type { get; } = type;

    public static ApiException BadRequest(string message, string? param = null, string? code = null) =>
        new(400, message, param, code);

    /// <summary>A missing field: OpenAI's wording, the field as param.</summary>
    public static ApiException Missing(string param) =>
        new(400, $"Missing required parameter: '{param}'.", param, "missing_required_parameter");

    public static ApiException WrongType(string param, string expected, string found) =>
        new(400, $"Invalid type for '{param}': expected {expected}, but got {found}.", param, "invalid_type");

    public static ApiException OutOfRange(string param, string range, string found) =>
        new(400, $"Invalid value for '{param}': expected {range}, but got {found}.", param, "invalid_value");

    public static ApiException ModelNotFound(string model, IEnumerable<string> known) =>
        new(404, $"The model '{model}' does not exist. Available models: {string.Join(", ", known.DefaultIfEmpty("(none)"))}.",
            "model", "model_not_found", NotFoundType);
}
