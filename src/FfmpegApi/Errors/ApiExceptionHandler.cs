using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace FfmpegApi.Errors;

/// <summary>
/// The one place exceptions become responses: client mistakes the framework detects (bad JSON, body too large)
/// get their 4xx; a database that is restarting or unreachable is a 503 with <c>Retry-After</c>; anything else is a 500 with no stack trace, path or message leaked.
/// </summary>
public sealed partial class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, code, detail) = exception switch
        {
            BadHttpRequestException { StatusCode: 413 } => (413, ErrorCodes.PayloadTooLarge, "The request body is too large."),
            BadHttpRequestException { InnerException: JsonException } or JsonException => (400, ErrorCodes.MalformedJson, "The request body is not valid JSON."),
            BadHttpRequestException bad => (bad.StatusCode, ErrorCodes.InvalidRequest, "The request could not be read."),
            _ when Core.Data.TransientDb.IsTransient(exception) => (503, ErrorCodes.ServiceUnavailable, "The database is unavailable for a moment. Retry shortly; an Idempotency-Key makes a retried submit safe."),
            _ => (500, ErrorCodes.InternalError, "An unexpected error occurred. Quote the request_id when reporting it."),
        };
        if (status >= 500)
        {
            LogUnhandled(logger, exception);
        }

        if (status == 503)
        {
            Core.Data.TransientDb.ForgetPooledConnections();
            httpContext.Response.Headers.RetryAfter = "2";
        }

        var problem = ApiProblem.Build(httpContext, status, code, detail);
        httpContext.Response.StatusCode = status;
        await TypedResults.Problem(problem).ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception")]
    private static partial void LogUnhandled(ILogger logger, Exception exception);
}
