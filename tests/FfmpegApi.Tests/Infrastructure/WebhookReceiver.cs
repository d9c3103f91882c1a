using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>One request the receiver got.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, string Body, string Path, DateTimeOffset At);

/// <summary>
/// A real HTTP receiver on loopback (Kestrel), recording every POST. <see cref="Answer"/> decides the status per
/// request. It can be started on a port chosen earlier, so a test can point webhooks at it while it is still down.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private WebApplication? _app;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url(string path = "/hook") => $"http://127.0.0.1:{Port}{path}";

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    /// <summary>The status to answer (default 200), and optional headers.</summary>
    public Func<ReceivedWebhook, (int Status, IDictionary<string, string>? Headers)> Answer { get; set; } = _ => (200, null);

    /// <summary>A receiver on a free loopback port, not yet listening.</summary>
    public static WebhookReceiver Reserve()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new WebhookReceiver(port);
    }

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = Reserve();
        await receiver.ListenAsync();
        return receiver;
    }

    public async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/{**path}", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var received = new ReceivedWebhook(
                context.Request.Headers["webhook-id"].ToString(),
                context.Request.Headers["webhook-timestamp"].ToString(),
                context.Request.Headers["webhook-signature"].ToString(),
                await reader.ReadToEndAsync(),
                context.Request.Path,
                TimeProvider.System.GetUtcNow());
            Received.Enqueue(received);
            var (status, headers) = Answer(received);
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                context.Response.Headers[name] = value;
            }

            context.Response.StatusCode = status;
            await context.Response.WriteAsync(status < 300 ? "ok" : "nope");
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Waits until <paramref name="condition"/> holds over what was received (bounded).</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> condition, int seconds = 60)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(seconds))
        {
            var snapshot = Received.ToArray();
            if (condition(snapshot))
            {
                return snapshot;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"Receiver on {Port} got {Received.Count} webhooks, not what was expected: {string.Join("\n", Received.Select(r => r.Body))}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
