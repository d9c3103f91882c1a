namespace FfmpegApi.Security;

/// <summary>
/// Headers on every response: no MIME sniffing, no referrer leaks, never framed. A full script CSP is left to the
/// pages that serve HTML (the /docs reference loads its own scripts); <c>frame-ancestors</c> is safe everywhere.
/// HSTS is added by <c>UseHsts</c> on HTTPS requests only.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                // Pages set their own full policy (the dashboard); everything else may at least never be framed.
                headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            }
            return Task.CompletedTask;
        });
        return next(context);
    }
}
