using System.Text.RegularExpressions;

namespace FfmpegApi.Errors;

/// <summary>
/// Gives every request an id (the caller's <c>X-Request-ID</c> when it is sane), echoes it in the response and
/// puts it in the logging scope as <c>request_id</c>.
/// </summary>
public sealed partial class RequestIdMiddleware(RequestDelegate next, ILogger<RequestIdMiddleware> logger)
{
    public const string Header = "X-Request-ID";
    private const string ItemKey = "request_id";

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Safe();

    public async Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[Header].ToString();
        var id = Safe().IsMatch(incoming) ? incoming : context.TraceIdentifier;
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        using (logger.BeginScope(new FfmpegApi.Core.LogScope(ItemKey, id)))
        {
            await next(context);
        }
    }

    public static string Get(HttpContext context) => context.Items[ItemKey] as string ?? context.TraceIdentifier;
}
