using FfmpegApi.Core;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Processing;
using FfmpegApi.Core.Queue;
using FfmpegApi.Core.Webhooks;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;

namespace FfmpegApi.Tests;

/// <summary>
/// What happens with time, on a <see cref="FakeTimeProvider"/>: the webhook backoff and a receiver's Retry-After, the
/// wake-up when a retry's backoff ends, the reaper's timer. The clock moves only when the test moves it, so each edge is
/// checked on both sides (10 ms before: nothing; at it: the step) without waiting.
/// </summary>
public sealed class ClockDrivenTests : IAsyncLifetime
{
    private static readonly TimeSpan Epsilon = TimeSpan.FromMilliseconds(10);
    private readonly FakeTimeProvider _clock = TestClock.AtCurrentSecond();
    private QueueHarness _q = null!;
    private WebhookReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _q = await QueueHarness.StartAsync(
            new Dictionary<string, string?>
            {
                ["Worker:LeaseSeconds"] = "30",
                ["Worker:ReaperIntervalSeconds"] = "15",
                ["Worker:RetryBaseSeconds"] = "20",
                ["Webhooks:AllowHttp"] = "true",
                ["Webhooks:AllowedTargets:0"] = "127.0.0.1/32",
                ["Webhooks:RetryBaseSeconds"] = "10",
                ["Webhooks:RetryMaxSeconds"] = "600",
                ["Webhooks:MaxAttempts"] = "5",
            },
            services => services.AddWebhookDispatcher(),
            _clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _q.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failing_webhook_is_retried_on_the_backoff_schedule_of_the_clock()
    {
        var hits = 0;
        _receiver.Answer = _ => (Interlocked.Increment(ref hits) <= 2 ? 503 : 200, null);
        var delivery = await SubscribeAndRecordAsync("/flaky");
        var dispatcher = _q.Services.GetRequiredService<WebhookDispatcher>();

        // Retry n waits base × 4^(n-1) with ±20 % jitter: 8–12 s, then 32–48 s.
        foreach (var (attempt, low, high) in new[] { (1, 8.0, 12.0), (2, 32.0, 48.0) })
        {
            var sentAt = Now;
            (await dispatcher.DispatchDueAsync(Token)).ShouldBe(1);
            var row = await DeliveryAsync(delivery);
            (row.Status, row.Attempts, row.LastStatusCode).ShouldBe((WebhookDeliveryStatus.Pending, attempt, 503));
            (row.NextAttemptAt - sentAt).TotalSeconds.ShouldBeInRange(low, high);
            await AdvanceToJustBeforeAsync(row.NextAttemptAt, dispatcher);
        }

        (await dispatcher.DispatchDueAsync(Token)).ShouldBe(1);
        var done = await DeliveryAsync(delivery);
        (done.Status, done.Attempts, done.LastStatusCode).ShouldBe((WebhookDeliveryStatus.Delivered, 3, 200));
        _receiver.Received.Count.ShouldBe(3);
        _receiver.Received.Select(r => r.Id).Distinct().Count().ShouldBe(1, "every retry keeps its webhook-id");
    }

    [Fact]
    public async Task A_receivers_retry_after_longer_than_the_backoff_is_honoured_to_the_second()
    {
        var hits = 0;
        _receiver.Answer = _ => Interlocked.Increment(ref hits) == 1 ? (429, new Dictionary<string, string> { ["Retry-After"] = "120" }) : (200, null);
        var delivery = await SubscribeAndRecordAsync("/busy");
        var dispatcher = _q.Services.GetRequiredService<WebhookDispatcher>();

        var sentAt = Now;
        (await dispatcher.DispatchDueAsync(Token)).ShouldBe(1);
        var row = await DeliveryAsync(delivery);
        (row.NextAttemptAt - sentAt).ShouldBe(TimeSpan.FromSeconds(120));
        await AdvanceToJustBeforeAsync(row.NextAttemptAt, dispatcher);

        (await dispatcher.DispatchDueAsync(Token)).ShouldBe(1);
        (await DeliveryAsync(delivery)).Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        hits.ShouldBe(2);
    }

    [Fact]
    public async Task A_retry_wakes_an_idle_worker_when_its_backoff_ends_on_the_clock()
    {
        var id = await AddJobAsync();
        (await _q.Queue(q => q.ClaimAsync("w/0", Token)))!.Id.ShouldBe(id);
        var signal = _q.Services.GetRequiredService<QueueSignal>();
        (await _q.Queue(q => q.FailTransientlyAsync(id, "w/0", "STALLED", "no progress", "log", Token))).ShouldBe(JobStatus.Queued);
        var runAfter = (await _q.LoadAsync(id)).RunAfter.ShouldNotBeNull();
        while (await signal.WaitAsync(TimeSpan.Zero, Token))
        {
            // The submit's own signal, taken as a worker would.
        }

        // The worker waits far longer than the backoff in real time; only the clock's move may end the wait.
        var wait = signal.WaitAsync(TimeSpan.FromMinutes(5), Token);
        _clock.Advance(runAfter - Now - Epsilon);
        await Task.Yield();
        wait.IsCompleted.ShouldBeFalse("the backoff has not ended");
        (await _q.Queue(q => q.ClaimAsync("w/1", Token))).ShouldBeNull();

        _clock.Advance(Epsilon);
        (await wait.WaitAsync(TimeSpan.FromSeconds(10), Token)).ShouldBeTrue("woken by the signal, not by the wait's end");
        (await _q.Queue(q => q.ClaimAsync("w/1", Token)))!.Attempts.ShouldBe(2);
    }

    [Fact]
    public async Task The_reaper_returns_a_lost_job_on_its_timer_once_the_lease_has_expired()
    {
        var id = await AddJobAsync();
        var claimed = (await _q.Queue(q => q.ClaimAsync("lost/0", Token)))!;
        (claimed.LeaseExpiresAt - Now).ShouldBe(TimeSpan.FromSeconds(30));
        using var reaper = ActivatorUtilities.CreateInstance<LeaseExpiredJobReaper>(_q.Services);
        await reaper.StartAsync(Token);
        try
        {
            // Its timer ticks every 15 s of the clock (it starts on the thread pool: keep moving the clock until a tick
            // after the lease's end has run). In real time the lease (30 s) never expires during this test.
            Job? reaped = null;
            for (var step = 0; step < 100 && reaped is null; step++)
            {
                _clock.Advance(TimeSpan.FromSeconds(15));
                await Task.Delay(20, Token);
                reaped = await _q.LoadAsync(id) is { Status: JobStatus.Queued } job ? job : null;
            }

            reaped.ShouldNotBeNull("the reaper's timer never reaped the job");
            reaped.LeaseOwner.ShouldBeNull();
            reaped.LeaseExpiresAt.ShouldBeNull();
            (Now - claimed.StartedAt!.Value).ShouldBeGreaterThan(TimeSpan.FromSeconds(30));
        }
        finally
        {
            await reaper.StopAsync(Token);
        }
    }

    /// <summary>Subscribes the receiver's <paramref name="path"/> to job.completed and records that event for a new job; returns the delivery's id.</summary>
    private async Task<long> SubscribeAndRecordAsync(string path)
    {
        var id = await AddJobAsync();
        await using var scope = _q.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AppDbContext>();
        db.WebhookSubscriptions.Add(new WebhookSubscription
        {
            Id = "wh_" + Guid.NewGuid().ToString("N"),
            TenantId = "t",
            Url = _receiver.Url(path),
            Events = WebhookEventTypes.JobCompleted,
            SecretProtected = scope.ServiceProvider.GetRequiredService<WebhookSecrets>().Protect(WebhookSignature.NewSecret()),
            CreatedAt = Now,
            UpdatedAt = Now,
        });
        await db.SaveChangesAsync(Token);
        (await scope.ServiceProvider.GetRequiredService<WebhookOutbox>().RecordJobEventAsync(id, WebhookEventTypes.JobCompleted, Token)).ShouldBeTrue();
        return (await db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.JobId == id, Token)).Id;
    }

    /// <summary>Moves the clock to 10 ms before <paramref name="due"/> (a pass sends nothing), then to it.</summary>
    private async Task AdvanceToJustBeforeAsync(DateTime due, WebhookDispatcher dispatcher)
    {
        _clock.Advance(due - Now - Epsilon);
        (await dispatcher.DispatchDueAsync(Token)).ShouldBe(0, "not due yet");
        _clock.Advance(Epsilon);
    }

    private Task<WebhookDelivery> DeliveryAsync(long id) => _q.Db(db => db.WebhookDeliveries.AsNoTracking().SingleAsync(d => d.Id == id, Token));

    private Task<string> AddJobAsync() => _q.AddAsync(new TestJob());
}
