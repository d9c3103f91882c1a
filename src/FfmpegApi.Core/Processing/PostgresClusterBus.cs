using System.Diagnostics.Metrics;
using System.Text.Json;
using System.Threading.Channels;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// <see cref="IClusterBus"/> over PostgreSQL <c>LISTEN/NOTIFY</c> on channel <c>ffmpeg_api</c>: a submit wakes an idle
/// worker in any process within milliseconds, a cancel reaches the process running the job, and progress reaches SSE
/// clients connected to any API process. One listening connection per process, reconnected after failures (then every
/// local worker is woken once, in case a notification was missed); outgoing messages go through a bounded queue so
/// posting never blocks an encode.
/// </summary>
public sealed partial class PostgresClusterBus(
    IOptions<DatabaseOptions> database, IServiceProvider services, WorkerIdentity identity, ILogger<PostgresClusterBus> logger)
    : BackgroundService, IClusterBus
{
    public const string Channel = "ffmpeg_api";

    /// <summary>PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more.</summary>
    private const int MaxPayload = 7900;

    private static readonly Meter Meter = new(JobMetrics.MeterName);
    private static readonly Counter<long> Sent = Meter.CreateCounter<long>("ffmpegapi.cluster.notifications_sent", description: "LISTEN/NOTIFY messages sent to other processes");
    private static readonly Counter<long> Received = Meter.CreateCounter<long>("ffmpegapi.cluster.notifications_received", description: "LISTEN/NOTIFY messages received from other processes");

    private readonly Channel<ClusterMessage> _outgoing = System.Threading.Channels.Channel.CreateBounded<ClusterMessage>(new BoundedChannelOptions(4096)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
    });

    public void Post(ClusterMessage message) => _outgoing.Writer.TryWrite(message);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(ListenAsync(stoppingToken), SendAsync(stoppingToken));

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(database.Value.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) => Deliver(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (failures > 0)
                {
                    LogReconnected(logger);
                    services.GetRequiredService<QueueSignal>().NotifyLocal();
                }

                failures = 0;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or System.IO.IOException or TimeoutException)
            {
                failures++;
                LogListenFailed(logger, ex, failures);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, failures)), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task SendAsync(CancellationToken stoppingToken)
    {
        NpgsqlConnection? connection = null;
        try
        {
            await foreach (var message in _outgoing.Reader.ReadAllAsync(stoppingToken))
            {
                // A burst of submits needs one wake-up, not one per job.
                if (message.Kind == ClusterMessage.Queued)
                {
                    while (_outgoing.Reader.TryPeek(out var next) && next.Kind == ClusterMessage.Queued)
                    {
                        _outgoing.Reader.TryRead(out _);
                    }
                }

                var payload = JsonSerializer.Serialize(new Envelope(identity.InstanceId, message), JsonDefaults.Options);
                if (payload.Length > MaxPayload)
                {
                    continue;
                }

                try
                {
                    if (connection is null)
                    {
                        connection = new NpgsqlConnection(database.Value.ConnectionString);
                        await connection.OpenAsync(stoppingToken);
                    }

                    await using var notify = new NpgsqlCommand("SELECT pg_notify(@channel, @payload)", connection);
                    notify.Parameters.AddWithValue("channel", Channel);
                    notify.Parameters.AddWithValue("payload", payload);
                    await notify.ExecuteNonQueryAsync(stoppingToken);
                    Sent.Add(1, new KeyValuePair<string, object?>("kind", message.Kind));
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or System.IO.IOException or TimeoutException)
                {
                    // Dropped: receivers fall back to polling. Reconnect on the next message.
                    LogSendFailed(logger, ex, message.Kind);
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                        connection = null;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private void Deliver(string payload)
    {
        Envelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize<Envelope>(payload, JsonDefaults.Options);
        }
        catch (JsonException)
        {
            return;
        }

        if (envelope is null || envelope.Origin == identity.InstanceId)
        {
            return;
        }

        var message = envelope.Message;
        Received.Add(1, new KeyValuePair<string, object?>("kind", message.Kind));
        switch (message.Kind)
        {
            case ClusterMessage.Queued:
                services.GetRequiredService<QueueSignal>().NotifyLocal();
                break;
            case ClusterMessage.Cancel when message.JobId is { } id:
                services.GetRequiredService<RunningJobs>().TryStop(id, StopReason.Cancelled);
                break;
            case ClusterMessage.ProgressKind when message.JobId is { } id && message.Progress is { } p:
                services.GetRequiredService<ProgressHub>().PublishFromPeer(id, p.Status, p.Progress, p.ObservedAt, p.ErrorCode, p.ErrorMessage);
                break;
        }
    }

    private sealed record Envelope(string Origin, ClusterMessage Message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "LISTEN connection failed ({Failures} in a row); other processes' signals arrive by polling until it is back")]
    private static partial void LogListenFailed(ILogger logger, Exception exception, int failures);

    [LoggerMessage(Level = LogLevel.Information, Message = "LISTEN connection is back")]
    private static partial void LogReconnected(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "NOTIFY ({Kind}) failed; receivers fall back to polling")]
    private static partial void LogSendFailed(ILogger logger, Exception exception, string kind);
}
