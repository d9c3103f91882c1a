using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FfmpegApi.Errors;

/// <summary>Error codes clients can branch on (the original API's, plus ours).</summary>
public static class ErrorCodes
{
    public const string InvalidInput = "INVALID_INPUT";
    public const string InvalidOutput = "INVALID_OUTPUT";
    public const string InvalidOperation = "INVALID_OPERATION";
    public const string InvalidRequest = "INVALID_REQUEST";
    public const string CodecMismatch = "CODEC_MISMATCH";
    public const string JobNotFound = "JOB_NOT_FOUND";
    public const string JobNotCancellable = "JOB_NOT_CANCELLABLE";
    public const string OutputNotReady = "OUTPUT_NOT_READY";
    public const string AccessDenied = "ACCESS_DENIED";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string NotFound = "NOT_FOUND";
    public const string InternalError = "INTERNAL_ERROR";
}

/// <summary>
/// RFC 9457 problem details with the service's extensions: <c>code</c>, <c>errors</c> (field → messages),
/// <c>request_id</c>, and the original API's <c>error</c> object so its clients keep working.
/// </summary>
public static class ApiProblem
{
    public static ProblemHttpResult Create(HttpContext context, int status, string code, string detail, IDictionary<string, string[]>? errors = null)
    {
        var problem = Build(context, status, code, detail, errors);
        return TypedResults.Problem(problem);
    }

    public static ProblemDetails Build(HttpContext context, int status, string code, string detail, IDictionary<string, string[]>? errors = null)
    {
        var problem = new ProblemDetails
        {
            Status = status,
            Title = TitleFor(status),
            Detail = detail,
            Type = $"https://ffmpeg-api.local/docs/errors#{code}",
        };
        Decorate(context, problem, code, errors);
        return problem;
    }

    /// <summary>Adds our extensions to any problem (also the framework's own, via CustomizeProblemDetails).</summary>
    public static void Decorate(HttpContext context, ProblemDetails problem, string? code = null, IDictionary<string, string[]>? errors = null)
    {
        code ??= problem.Extensions.TryGetValue("code", out var existing) && existing is string s ? s : CodeFor(problem.Status ?? 500);
        var requestId = RequestIdMiddleware.Get(context);
        problem.Extensions["code"] = code;
        problem.Extensions["request_id"] = requestId;
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors;
        }
        else
        {
            // Called again by the framework's problem details service: keep what the first call recorded.
            errors = problem.Extensions.TryGetValue("errors", out var recorded) ? recorded as IDictionary<string, string[]> : null;
        }

        var first = errors?.FirstOrDefault();
        problem.Extensions["error"] = new Dictionary<string, object?>
        {
            ["type"] = TypeFor(problem.Status ?? 500),
            ["code"] = code,
            ["message"] = problem.Detail ?? problem.Title,
            ["details"] = first is { Key: { } field } ? new Dictionary<string, object?> { ["field"] = field, ["messages"] = first.Value.Value } : null,
            ["doc_url"] = $"/docs/errors.md#{code}",
            ["request_id"] = requestId,
        };
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not found",
        409 => "Conflict",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Validation failed",
        429 => "Too many requests",
        503 => "Service unavailable",
        _ => "Internal server error",
    };

    private static string TypeFor(int status) => status switch
    {
        400 or 413 or 415 or 422 => "validation_error",
        401 => "authentication_error",
        403 => "authorization_error",
        404 => "not_found_error",
        409 => "conflict_error",
        429 => "rate_limit_error",
        _ => "server_error",
    };

    private static string CodeFor(int status) => status switch
    {
        400 => ErrorCodes.InvalidRequest,
        401 => ErrorCodes.Unauthorized,
        403 => ErrorCodes.AccessDenied,
        404 => ErrorCodes.NotFound,
        413 => ErrorCodes.PayloadTooLarge,
        422 => ErrorCodes.InvalidRequest,
        _ => ErrorCodes.InternalError,
    };
}
