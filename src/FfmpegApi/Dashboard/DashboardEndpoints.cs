using System.Reflection;
using System.Security.Cryptography;

namespace FfmpegApi.Dashboard;

/// <summary>
/// The web dashboard at <c>/</c>: static ES modules, a stylesheet and one HTML page, embedded in the executable (no Node
/// build step, nothing to deploy beside it). Served with a strict CSP: scripts, styles and requests from this origin
/// only, no inline code. The API key is kept in the tab's session storage and sent as <c>X-API-Key</c>.
/// </summary>
public static class DashboardEndpoints
{
    public const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

    private static readonly Assembly Assembly = typeof(DashboardEndpoints).Assembly;
    private static readonly Dictionary<string, (byte[] Body, string ETag)> Files = Load();

    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/ui/{**path}", (HttpContext context, string path) => Serve(context, path)).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, string path)
    {
        if (!Files.TryGetValue(path, out var file))
        {
            return Results.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = Policy;
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        if (context.Request.Headers.IfNoneMatch == file.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(file.Body, ContentType(path));
    }

    private static string ContentType(string path) => Path.GetExtension(path) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private static Dictionary<string, (byte[], string)> Load()
    {
        const string Prefix = "dashboard/";
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (var name in Assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = Assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var body = buffer.ToArray();
            files[name[Prefix.Length..]] = (body, $"\"{Convert.ToHexStringLower(SHA256.HashData(body))[..16]}\"");
        }

        return files;
    }
}
