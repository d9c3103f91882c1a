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
    public const string InsufficientResources = "INSUFFICIENT_RESOURCES";
    public const string QuotaExceeded = "QUOTA_EXCEEDED";
    public const string JobNotFound = "JOB_NOT_FOUND";
    public const string JobNotCancellable = "JOB_NOT_CANCELLABLE";
    public const string JobNotRetryable = "JOB_NOT_RETRYABLE";
    public const string OutputNotReady = "OUTPUT_NOT_READY";
    public const string AccessDenied = "ACCESS_DENIED";
    public const string Unauthorized = "UNAUTHORIZED";
    public const string MalformedJson = "MALFORMED_JSON";
    public const string PayloadTooLarge = "PAYLOAD_TOO_LARGE";
    public const string NotFound = "NOT_FOUND";
    public const string InternalError = "INTERNAL_ERROR";
    public const string ServiceUnavailable = "SERVICE_UNAVAILABLE";
    public const string IdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED";
}

/// <summary>The original API's <c>error.details</c>: the field, the value sent, what is allowed, a likely fix.</summary>
public sealed record ErrorDetail(string Field, string? Value, IReadOnlyList<string>? Allowed, string? Suggestion)
{
    /// <summary>The allowed value closest to what was sent (case-insensitive, edit distance ≤ 2), if any.</summary>
    public static string? Suggest(string? value, IReadOnlyList<string>? allowed)
    {
        if (value is null || allowed is not { Count: > 0 })
        {
            return null;
        }

        var best = allowed.Select(a => (Candidate: a, Distance: Distance(value.ToLowerInvariant(), a.ToLowerInvariant()))).MinBy(x => x.Distance);
        return best.Distance <= 2 && best.Candidate != value ? best.Candidate : null;
    }

    internal static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            previous = current;
        }

        return previous[b.Length];
    }
}

/// <summary>
/// RFC 9457 problem details with the service's extensions: <c>code</c>, <c>errors</c> (field → messages),
/// <c>request_id</c>, and the original API's <c>error</c> object so its clients keep working.
/// </summary>
public static class ApiProblem
{
    /// <summary>422 naming every failing field.</summary>
    public static ProblemHttpResult Invalid(HttpContext context, Endpoints.Jobs.ValidationErrors errors) =>
        Create(context, 422, errors.Code, errors.Summary(), errors.ToDictionary(), errors.LeadDetail());

    public static ProblemHttpResult Create(HttpContext context, int status, string code, string detail, IDictionary<string, string[]>? errors = null, ErrorDetail? lead = null)
    {
        if (lead is not null)
        {
            context.Items[LeadKey] = lead;
        }

        return TypedResults.Problem(Build(context, status, code, detail, errors));
    }

    private const string LeadKey = "error_lead";

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
        var lead = context.Items[LeadKey] as ErrorDetail;
        if (lead is null && first is { Key: { } field })
        {
            lead = new ErrorDetail(field, null, null, null);
        }

        problem.Extensions["error"] = new Dictionary<string, object?>
        {
            ["type"] = TypeFor(problem.Status ?? 500),
            ["code"] = code,
            ["message"] = problem.Detail ?? problem.Title,
            ["details"] = lead is null ? null : new Dictionary<string, object?>
            {
                ["field"] = lead.Field,
                ["value"] = lead.Value,
                ["allowed"] = lead.Allowed,
                ["suggestion"] = lead.Suggestion,
                ["messages"] = errors is not null && errors.TryGetValue(lead.Field, out var messages) ? messages : null,
            },
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
