using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using FfmpegApi.Core.Audit;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Webhooks;

/// <summary>
/// Sends the outbox. Each pass takes the oldest pending delivery of every (target, job) pair, so one job's events
/// reach a target in order even across retries; claims it with a guarded UPDATE (several processes may dispatch);
/// sends up to 8 at a time; records the attempt; then marks it delivered, schedules a retry (×4 backoff with
/// jitter, honouring <c>Retry-After</c>) or marks it failed. A subscription whose deliveries keep failing for good
/// (<c>Webhooks:DisableAfterFailures</c> in a row) is disabled, with an audit entry.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    TimeProvider clock,
    IOptions<WebhookOptions> options,
    OutboundTargetPolicy policy,
    WebhookSignal signal,
    WebhookMetrics metrics,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int Window = 500;

    /// <summary>One HTTP client for every delivery, made on first use (a pass can run without the background loop).</summary>
    private readonly Lazy<WebhookSender> _sender = new(() => new WebhookSender(policy, clock, TimeSpan.FromSeconds(options.Value.TimeoutSeconds)));

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await DispatchDueAsync(stoppingToken);
            }
#pragma warning disable CA1031 // The dispatcher keeps running through transient database errors.
            catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogPassFailed(logger, ex);
            }

            if (sent == 0)
            {
                await ((Task)signal.WaitAsync(TimeSpan.FromSeconds(settings.PollSeconds), stoppingToken)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One pass; returns how many deliveries were attempted.</summary>
    public async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        List<long> claimed = [];
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
            var now = Now;
            var pending = await db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.Status == WebhookDeliveryStatus.Pending)
                .OrderBy(d => d.Id).Take(Window)
                .Select(d => new { d.Id, Target = d.SubscriptionId ?? d.Url, d.JobId, d.NextAttemptAt, d.LockedUntil })
                .ToListAsync(cancellationToken);
            var heads = pending.GroupBy(d => (d.Target, d.JobId)).Select(g => g.First())
                .Where(d => d.NextAttemptAt <= now && (d.LockedUntil is null || d.LockedUntil < now));
            var lockedUntil = now.AddSeconds(options.Value.TimeoutSeconds + 30);
            foreach (var head in heads)
            {
                var rows = await db.WebhookDeliveries
                    .Where(d => d.Id == head.Id && d.Status == WebhookDeliveryStatus.Pending && (d.LockedUntil == null || d.LockedUntil < now))
                    .ExecuteUpdateAsync(s => s.SetProperty(d => d.LockedUntil, lockedUntil), cancellationToken);
                if (rows == 1)
                {
                    claimed.Add(head.Id);
                }
            }
        }

        await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, DeliverAsync);
        return claimed.Count;
    }

    public override void Dispose()
    {
        if (_sender.IsValueCreated)
        {
            _sender.Value.Dispose();
        }

        base.Dispose();
    }

    /// <summary>The delay before retry number <paramref name="attempt"/> (1 = the first retry).</summary>
    public static TimeSpan Backoff(WebhookOptions settings, int attempt, TimeSpan? retryAfter, double jitter)
    {
        var seconds = Math.Min(settings.RetryMaxSeconds, settings.RetryBaseSeconds * Math.Pow(4, attempt - 1)) * jitter;
        if (retryAfter is { } asked && asked.TotalSeconds > seconds)
        {
            seconds = Math.Min(settings.RetryMaxSeconds, asked.TotalSeconds);
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private async ValueTask DeliverAsync(long id, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        var secrets = scope.ServiceProvider.GetRequiredService<WebhookSecrets>();
        var settings = options.Value;
        var delivery = await db.WebhookDeliveries.FirstAsync(d => d.Id == id, cancellationToken);
        var subscription = delivery.SubscriptionId is { } sid ? await db.WebhookSubscriptions.FirstOrDefaultAsync(s => s.Id == sid, cancellationToken) : null;
        SendOutcome outcome;
        if (delivery.SubscriptionId is not null && subscription is not { Enabled: true })
        {
            outcome = new SendOutcome(null, 0, "The subscription is disabled or deleted.", null, Retriable: false, null);
        }
        else
        {
            try
            {
                var signing = secrets.Signing(subscription is null ? await secrets.TenantSecretAsync(delivery.TenantId, cancellationToken) : subscription);
                outcome = await _sender.Value.SendAsync(delivery.Url, delivery.EventId, delivery.Payload, signing, cancellationToken);
            }
            catch (CryptographicException)
            {
                outcome = new SendOutcome(null, 0, "The signing secret cannot be decrypted (Data Protection key ring lost?).", null, Retriable: false, null);
            }
        }

        var now = Now;
        delivery.Attempts++;
        delivery.LastStatusCode = outcome.StatusCode;
        delivery.LastError = Clip(outcome.Error);
        delivery.LockedUntil = null;
        db.WebhookAttempts.Add(new WebhookAttempt
        {
            DeliveryId = delivery.Id,
            Attempt = delivery.Attempts,
            At = now,
            StatusCode = outcome.StatusCode,
            LatencyMs = outcome.LatencyMs,
            Error = Clip(outcome.Error),
            ResponseSnippet = Clip(outcome.Snippet),
        });
        string result;
        if (outcome.Succeeded)
        {
            delivery.Status = WebhookDeliveryStatus.Delivered;
            delivery.CompletedAt = now;
            result = "delivered";
        }
        else if (outcome.Retriable && delivery.Attempts < settings.MaxAttempts)
        {
            delivery.NextAttemptAt = now + Backoff(settings, delivery.Attempts, outcome.RetryAfter, 0.8 + (0.4 * Random.Shared.NextDouble()));
            result = "retry";
        }
        else
        {
            delivery.Status = WebhookDeliveryStatus.Failed;
            delivery.CompletedAt = now;
            result = "failed";
        }

        var disabled = subscription is not null && delivery.Status != WebhookDeliveryStatus.Pending && Track(subscription, outcome.Succeeded, now, settings);
        await db.SaveChangesAsync(CancellationToken.None);
        if (disabled)
        {
            await scope.ServiceProvider.GetRequiredService<AuditLog>().RecordAsync(
                new AuditEntry(AuditActions.WebhookDisable, null, subscription!.TenantId, false, subscription.Id, null) { Source = "system", Detail = subscription.DisabledReason },
                CancellationToken.None);
            LogDisabled(logger, subscription.Id, subscription.ConsecutiveFailures);
        }

        metrics.Attempts.Add(1, new KeyValuePair<string, object?>("outcome", result), new KeyValuePair<string, object?>("event", delivery.EventType));
        metrics.Latency.Record(outcome.LatencyMs);
        LogAttempt(logger, delivery.Id, delivery.EventType, delivery.Attempts, outcome.StatusCode, outcome.LatencyMs, result);
    }

    private static string? Clip(string? text) => text is { Length: > WebhookSender.SnippetLength } ? text[..WebhookSender.SnippetLength] : text;

    /// <summary>Counts deliveries that failed for good, in a row (retries do not count); true when this one disabled the subscription.</summary>
    private static bool Track(WebhookSubscription subscription, bool succeeded, DateTime now, WebhookOptions settings)
    {
        if (succeeded)
        {
            subscription.ConsecutiveFailures = 0;
            return false;
        }

        subscription.ConsecutiveFailures++;
        if (!subscription.Enabled || subscription.ConsecutiveFailures < settings.DisableAfterFailures)
        {
            return false;
        }

        subscription.Enabled = false;
        subscription.DisabledAt = now;
        subscription.DisabledReason = $"{subscription.ConsecutiveFailures} failed deliveries in a row.";
        subscription.UpdatedAt = now;
        return true;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook delivery {DeliveryId} ({EventType}) attempt {Attempt}: status {StatusCode} in {LatencyMs} ms, {Result}")]
    private static partial void LogAttempt(ILogger logger, long deliveryId, string eventType, int attempt, int? statusCode, int latencyMs, string result);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disabled webhook subscription {SubscriptionId} after {Failures} failed deliveries in a row")]
    private static partial void LogDisabled(ILogger logger, string subscriptionId, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook dispatch pass failed")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}

/// <summary>Webhook metrics: attempts by outcome and event type, and attempt latency.</summary>
public sealed class WebhookMetrics : IDisposable
{
    public const string MeterName = "FfmpegApi.Webhooks";

    private readonly Meter _meter;

    public WebhookMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        Attempts = _meter.CreateCounter<long>("ffmpegapi.webhooks.attempts", description: "Webhook delivery attempts, tagged by outcome (delivered, retry, failed) and event");
        Latency = _meter.CreateHistogram<double>("ffmpegapi.webhooks.latency", "ms", "Time of one webhook attempt");
    }

    public Counter<long> Attempts { get; }

    public Histogram<double> Latency { get; }

    public void Dispose() => _meter.Dispose();
}
