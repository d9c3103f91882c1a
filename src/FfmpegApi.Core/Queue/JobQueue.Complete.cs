using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using NpgsqlTypes;

namespace FfmpegApi.Core.Queue;

/// <summary>One finished run to record as completed.</summary>
public sealed record Completion(string JobId, string WorkerId, JobProgress Last, string OutputJson, string? ResultJson, string Log);

/// <summary>
/// Completing runs. On PostgreSQL several completions commit together (group commit, see
/// <see cref="CompletionCommitter"/>): one statement ends every run still leased to its worker, writes their attempt
/// rows and, while a tenant limit is set, lowers their tenants' running counts (locking the tenant rows in tenant
/// order, like claims, so concurrent groups cannot deadlock); the <c>job.completed</c> events and batch settlements
/// (each batch once, in id order) follow in the same transaction. SQLite records one completion after another.
/// </summary>
public sealed partial class JobQueue
{
    public async Task<TransitionResult> CompleteAsync(string jobId, string workerId, JobProgress last, string outputJson, string? resultJson, string log, CancellationToken cancellationToken) =>
        (await CompleteManyAsync([new Completion(jobId, workerId, last, outputJson, resultJson, log)], cancellationToken))[0];

    /// <summary>Records <paramref name="completions"/>; the result at each index says whether that one applied.</summary>
    public async Task<IReadOnlyList<TransitionResult>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken)
    {
        if (!db.Database.IsNpgsql())
        {
            var results = new List<TransitionResult>(completions.Count);
            foreach (var completion in completions)
            {
                results.Add(await CompleteOneAsync(completion, cancellationToken) ? TransitionResult.Applied : TransitionResult.NotInExpectedState);
            }

            return results;
        }

        var now = Now;
        var ended = new List<string>(completions.Count);
        var announce = new List<string>();
        var batchIds = new List<string>();
        var subscribed = false;
        bool recorded;
        var settled = new List<BatchOutcome>();
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await PreparedAsync(
                CompleteBatchSql,
                async reader =>
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var id = reader.GetString(0);
                        ended.Add(id);
                        if (!reader.IsDBNull(1))
                        {
                            batchIds.Add(reader.GetString(1));
                        }

                        if (reader.GetBoolean(2) || reader.GetBoolean(3))
                        {
                            announce.Add(id);
                            subscribed |= reader.GetBoolean(2);
                        }
                    }
                },
                cancellationToken,
                (now, NpgsqlDbType.TimestampTz),
                (completions.Select(c => c.JobId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                (completions.Select(c => c.WorkerId).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                (completions.Select(c => c.Last.Fps).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Double),
                (completions.Select(c => c.Last.Speed).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Double),
                (completions.Select(c => c.OutputJson).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                (completions.Select(c => c.ResultJson).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                (completions.Select(c => c.Log).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
                (AttemptOutcomes.Completed, NpgsqlDbType.Text),
                (workerOptions.Value.TenantConcurrency, NpgsqlDbType.Integer));

            // Events need the job as it is now; only jobs someone listens to are read back.
            var listened = announce.Count == 0 ? [] : await db.Jobs.AsNoTracking().Where(j => announce.Contains(j.Id)).ToListAsync(cancellationToken);
            recorded = await outbox.RecordJobEventsAsync(listened, WebhookEventTypes.JobCompleted, subscribed, cancellationToken);
            // Each batch once, in id order: groups ending jobs of the same batches lock their rows in the same order.
            foreach (var batchId in batchIds.Distinct().Order(StringComparer.Ordinal))
            {
                settled.Add(await batches.OnJobEndedAsync(batchId, cancellationToken));
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (ended.Count > 0)
        {
            effects.Apply(Announced(recorded, settled, leftRunning: true));
        }

        var applied = ended.ToHashSet(StringComparer.Ordinal);
        return [.. completions.Select(c => applied.Contains(c.JobId) ? TransitionResult.Applied : TransitionResult.NotInExpectedState)];
    }

    /// <summary>
    /// Ends the runs still leased to their workers as completed, writes their attempt rows and, while a tenant limit is
    /// set ($10), lowers their tenants' running counts, locking the tenant rows in tenant order like claims (without a
    /// limit no completion touches a tenant row, so completions never wait for claims). Returns each ended job's id, batch and
    /// whether anyone listens for its events (an enabled subscription of its tenant; its own webhook, in its delivery or,
    /// for rows of earlier releases, inside its spec document). Fixed result
    /// columns, so the prepared statement survives a migration that adds a column.
    /// </summary>
    private static readonly string CompleteBatchSql = $$"""
        WITH done AS (
            SELECT * FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::text[])
                AS d(id, owner, fps, speed, output_json, result_json, log)),
        ended AS (
            UPDATE jobs SET status = {{Guarded.Sql(JobTransition.Complete.To)}}, lease_owner = NULL, lease_expires_at = NULL, fps = d.fps, speed = d.speed,
                   progress = 100, stage = 'completed', eta_seconds = 0, completed_at = $1, updated_at = $1,
                   output_json = d.output_json, result_json = d.result_json, error_code = NULL, error_message = NULL, log = d.log
            FROM done d WHERE jobs.id = d.id AND jobs.status = {{Guarded.Sql(JobTransition.Complete.From.Single())}} AND jobs.lease_owner = d.owner
            RETURNING jobs.id, jobs.tenant_id, jobs.batch_id, jobs.attempts, jobs.started_at, d.owner,
                      jsonb_typeof(coalesce(jobs.delivery_json, jobs.spec_json)::jsonb -> 'webhook') = 'object' AS own_webhook),
        counts AS (
            SELECT tenant_id, count(*)::int AS n FROM ended WHERE $10 > 0 GROUP BY tenant_id),
        locked AS (
            SELECT t.tenant_id, c.n FROM tenant_schedules t JOIN counts c ON c.tenant_id = t.tenant_id
            ORDER BY t.tenant_id FOR UPDATE OF t),
        freed AS (
            UPDATE tenant_schedules t SET running = greatest(t.running - l.n, 0)
            FROM locked l WHERE t.tenant_id = l.tenant_id AND t.running > 0),
        history AS (
            INSERT INTO job_attempts (job_id, number, worker_id, started_at, ended_at, outcome)
            SELECT id, attempts, owner, started_at, $1, $9 FROM ended)
        SELECT e.id, e.batch_id,
               EXISTS (SELECT 1 FROM webhook_subscriptions w WHERE w.tenant_id = e.tenant_id AND w.enabled),
               coalesce(e.own_webhook, false)
        FROM ended e
        """;

    /// <summary>SQLite: one completion, its guarded UPDATE and effects in their own transaction.</summary>
    private Task<bool> CompleteOneAsync(Completion c, CancellationToken cancellationToken)
    {
        var now = Now;
        return TransitionAsync(c.JobId, new Effects(WebhookEventTypes.JobCompleted, true, new AttemptEnd(null, c.WorkerId, AttemptOutcomes.Completed)), () => OwnedBy(c.JobId, c.WorkerId, JobTransition.Complete).ExecuteUpdateAsync(
            s => Unleased(s).SetProperty(j => j.Status, JobTransition.Complete.To)
                .SetProperty(j => j.Fps, c.Last.Fps)
                .SetProperty(j => j.Speed, c.Last.Speed)
                .SetProperty(j => j.Progress, 100d)
                .SetProperty(j => j.Stage, "completed")
                .SetProperty(j => j.EtaSeconds, 0d)
                .SetProperty(j => j.CompletedAt, now)
                .SetProperty(j => j.UpdatedAt, now)
                .SetProperty(j => j.OutputJson, c.OutputJson)
                .SetProperty(j => j.ResultJson, c.ResultJson)
                .SetProperty(j => j.ErrorCode, (string?)null)
                .SetProperty(j => j.ErrorMessage, (string?)null)
                .SetProperty(j => j.Log, c.Log),
            cancellationToken), cancellationToken);
    }
}
