using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>
/// A real HTTP origin on 127.0.0.1 (Kestrel) for remote-input tests: files with a length (<c>/files/NAME</c>) or
/// chunked (<c>/chunked/NAME</c>), redirects (<c>/redirect?to=URL</c>), any status (<c>/status/CODE</c>), and a
/// download that never ends (<c>/slow</c>). Every request path is recorded.
/// </summary>
public sealed class LoopbackFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LoopbackFileServer(WebApplication app, string root)
    {
        _app = app;
        Root = root;
    }

    public string Root { get; }

    public int Port => new Uri(_app.Urls.First()).Port;

    public ConcurrentQueue<string> Requests { get; } = new();

    public string Url(string pathAndQuery) => $"http://127.0.0.1:{Port}{pathAndQuery}";

    public static async Task<LoopbackFileServer> StartAsync()
    {
        var root = Directory.CreateTempSubdirectory("fa-origin-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackFileServer(app, root);
        app.Use(async (context, next) =>
        {
            server.Requests.Enqueue(context.Request.Path + context.Request.QueryString);
            await next(context);
        });
        app.MapGet("/files/{name}", (string name) => Results.File(Path.Combine(root, Path.GetFileName(name)), "application/octet-stream"));
        app.MapGet("/chunked/{name}", async (string name, HttpContext context) =>
        {
            // No Content-Length: the size limit must hold while the bytes arrive.
            var bytes = await File.ReadAllBytesAsync(Path.Combine(root, Path.GetFileName(name)));
            for (var offset = 0; offset < bytes.Length; offset += 8192)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(offset, Math.Min(8192, bytes.Length - offset)));
                await context.Response.Body.FlushAsync();
            }
        });
        app.MapGet("/redirect", (string to) => Results.Redirect(to));
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        app.MapGet("/slow", async (HttpContext context) =>
        {
            context.Response.ContentLength = 1L << 30;
            while (!context.RequestAborted.IsCancellationRequested)
            {
                await context.Response.Body.WriteAsync(new byte[16], context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(200, context.RequestAborted);
            }
        });
        await app.StartAsync();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }
}
