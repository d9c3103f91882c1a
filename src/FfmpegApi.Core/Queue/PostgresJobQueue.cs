using FfmpegApi.Core.Batches;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Core.Webhooks;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using NpgsqlTypes;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// The queue on PostgreSQL (scale-out): a batch claim in one statement with <c>SKIP LOCKED</c>, completions of several
/// workers' slots group-committed in one statement (<see cref="CompletionCommitter"/>), and tenant rows locked in tenant
/// order by claims, completions and the reconciliation alike, so none of them can deadlock.
/// </summary>
public sealed class PostgresJobQueue(AppDbContext db, TimeProvider clock, IOptions<WorkerOptions> workerOptions, WebhookOutbox outbox, BatchTracker batches, JobTransitions transitions, RetryPolicy retryPolicy, IQueueEffects effects)
    : JobQueue(db, clock, workerOptions, outbox, batches, transitions, retryPolicy, effects)
{
    /// <summary>PostgreSQL: several API and worker processes share it.</summary>
    public override bool IsShared => true;

    /// <summary>PostgreSQL: one statement with <c>SKIP LOCKED</c> for the whole batch (see <see cref="ClaimBatchSql"/>).</summary>
    public override async Task<IReadOnlyList<Job>> ClaimManyAsync(IReadOnlyList<string> owners, WorkerCapability capabilities, CancellationToken cancellationToken)
    {
        var limit = Options.TenantConcurrency;
        var caps = (int)capabilities;
        for (var attempt = 0; attempt < 5 && owners.Count > 0; attempt++)
        {
            var (candidates, jobs) = await ClaimSkipLockedAsync(owners, caps, limit, cancellationToken);
            if (jobs.Count > 0 || candidates == 0)
            {
                return Counted(jobs);
            }

            // Candidates, but other claimers held them (or took a tenant's last place): give their transactions a
            // moment to commit, then look again.
            await Task.Delay(TimeSpan.FromMilliseconds(5 + Random.Shared.Next(20)), cancellationToken);
        }

        return [];
    }

    /// <summary>
    /// Picks, leases, counts the tenants' runs and records their turns in one statement.
    /// <list type="bullet">
    /// <item><c>tenants</c>: the tenants with queued jobs and the priority of each one's best, one index probe per
    /// tenant (a skip scan of the partial index <c>ix_jobs_queued_by_tenant</c>), so the cost does not grow with the
    /// length of the queue.</item>
    /// <item><c>heads</c>: the tenants that come first (best priority, least recently served; those at their
    /// <c>Worker:TenantConcurrency</c> limit left out), as many as the pool holds: a job of any later tenant would
    /// come after the first job of each of them.</item>
    /// <item><c>ranked</c>: each of those tenants' first claimable jobs in its own order (priority, then age), at most
    /// the batch and at most its free places under the limit; <c>turn</c> numbers them per priority.</item>
    /// <item><c>pool</c>: the best of them in claim order (priority, turn, least recently served tenant, age), several
    /// times the batch.</item>
    /// <item><c>next</c>: the batch, locked from the pool with <c>FOR UPDATE OF j SKIP LOCKED</c>: concurrent claimers
    /// pass over rows another worker is taking instead of queueing behind its lock, and a row another claimer changed
    /// meanwhile is re-checked.</item>
    /// <item><c>turn</c>: each tenant's row: its turn, and (only while a limit is set) its running count, updated with
    /// the limit in the WHERE clause: a claimer that waited for
    /// another's update of that row re-checks the count after it, so the limit holds exactly; a tenant refused there
    /// has none of its jobs claimed. Tenant rows are locked in tenant order (as by completions and the reconciliation),
    /// so concurrent batches cannot deadlock.</item>
    /// <item><c>claimed</c>: each job leased to one of the owners (slots).</item>
    /// </list>
    /// In <c>next</c> the state check is written <c>(status = 'Queued') IS TRUE</c> so that it does not match the
    /// partial index's predicate: with stale statistics (a young table) the planner otherwise scans that whole index
    /// once per pool row instead of looking each row up by its key.
    /// The states come from the state machine's claim row (<see cref="JobTransition.Claim"/>).
    /// The statement returns fixed columns (never <c>jobs.*</c>), so it is prepared once per connection and stays valid
    /// when a migration adds a column.
    /// </summary>
    private static readonly string ClaimBatchSql = $$"""
        WITH RECURSIVE tenants AS (
            (SELECT tenant_id, priority FROM jobs WHERE status = {{Guarded.Sql(JobTransition.Claim.From.Single())}} ORDER BY tenant_id, priority DESC LIMIT 1)
            UNION ALL
            SELECT n.tenant_id, n.priority FROM tenants t CROSS JOIN LATERAL (
                SELECT j.tenant_id, j.priority FROM jobs j WHERE j.status = {{Guarded.Sql(JobTransition.Claim.From.Single())}} AND j.tenant_id > t.tenant_id
                ORDER BY j.tenant_id, j.priority DESC LIMIT 1) n),
        heads AS (
            SELECT t.tenant_id, s.last_started_at, coalesce(s.running, 0) AS running
            FROM tenants t LEFT JOIN tenant_schedules s ON s.tenant_id = t.tenant_id
            WHERE $3 = 0 OR coalesce(s.running, 0) < $3
            ORDER BY t.priority DESC, s.last_started_at ASC NULLS FIRST
            LIMIT $5),
        ranked AS (
            SELECT c.id, c.priority, c.created_at, h.last_started_at,
                   row_number() OVER (PARTITION BY c.tenant_id, c.priority ORDER BY c.created_at) AS turn
            FROM heads h CROSS JOIN LATERAL (
                SELECT j.id, j.tenant_id, j.priority, j.created_at FROM jobs j
                WHERE j.tenant_id = h.tenant_id AND j.status = {{Guarded.Sql(JobTransition.Claim.From.Single())}} AND (j.run_after IS NULL OR j.run_after <= $1) AND (j.requires = 0 OR (j.requires & ~$2) = 0)
                ORDER BY j.priority DESC, j.created_at
                LIMIT CASE WHEN $3 = 0 THEN $4 ELSE least($4, $3 - h.running) END) c),
        pool AS (
            SELECT * FROM ranked ORDER BY priority DESC, turn, last_started_at ASC NULLS FIRST, created_at LIMIT $5),
        next AS (
            SELECT j.id, j.tenant_id FROM pool p JOIN jobs j ON j.id = p.id
            WHERE (j.status = {{Guarded.Sql(JobTransition.Claim.From.Single())}}) IS TRUE
            ORDER BY p.priority DESC, p.turn, p.last_started_at ASC NULLS FIRST, p.created_at
            LIMIT $4 FOR UPDATE OF j SKIP LOCKED),
        numbered AS (
            SELECT id, tenant_id, row_number() OVER () AS slot FROM next),
        turn AS (
            INSERT INTO tenant_schedules (tenant_id, last_started_at, running)
            SELECT tenant_id, $1, CASE WHEN $3 = 0 THEN 0 ELSE count(*) END FROM next GROUP BY tenant_id ORDER BY tenant_id
            ON CONFLICT (tenant_id) DO UPDATE SET last_started_at = EXCLUDED.last_started_at, running = tenant_schedules.running + EXCLUDED.running
            WHERE $3 = 0 OR tenant_schedules.running + EXCLUDED.running <= $3
            RETURNING tenant_id),
        claimed AS (
            UPDATE jobs SET status = {{Guarded.Sql(JobTransition.Claim.To)}}, lease_owner = o.owner, lease_expires_at = $6, started_at = $1,
                   updated_at = $1, stage = 'starting', run_after = NULL, attempts = attempts + 1
            FROM numbered n JOIN unnest($7::text[]) WITH ORDINALITY AS o(owner, slot) ON o.slot = n.slot
            WHERE jobs.id = n.id AND n.tenant_id IN (SELECT tenant_id FROM turn)
            RETURNING jobs.id, jobs.tenant_id)
        SELECT c.id, (SELECT count(*)::int FROM pool),
               EXISTS (SELECT 1 FROM webhook_subscriptions w WHERE w.tenant_id = c.tenant_id AND w.enabled)
        FROM claimed c
        UNION ALL
        SELECT NULL, (SELECT count(*)::int FROM pool), false WHERE NOT EXISTS (SELECT 1 FROM claimed)
        """;

    /// <summary>
    /// PostgreSQL: runs <see cref="ClaimBatchSql"/> and reads the claimed rows. Returns how many candidates the pool
    /// held (zero: nothing to claim) and the claimed jobs; their <c>job.started</c> events commit with the claim.
    /// </summary>
    private async Task<(int Candidates, List<Job> Jobs)> ClaimSkipLockedAsync(IReadOnlyList<string> owners, int caps, int limit, CancellationToken cancellationToken)
    {
        var now = Now;
        var batch = owners.Count;
        var ids = new List<string>(batch);
        var candidates = 0;
        var subscribed = false;
        List<Job> jobs;
        bool recorded;
        await using (var transaction = await Db.Database.BeginTransactionAsync(cancellationToken))
        {
            await PreparedAsync(
                ClaimBatchSql,
                async reader =>
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        candidates = reader.GetInt32(1);
                        if (!reader.IsDBNull(0))
                        {
                            ids.Add(reader.GetString(0));
                            subscribed |= reader.GetBoolean(2);
                        }
                    }
                },
                cancellationToken,
                (now, NpgsqlDbType.TimestampTz),
                (caps, NpgsqlDbType.Integer),
                (limit, NpgsqlDbType.Integer),
                (batch, NpgsqlDbType.Integer),
                ((batch * 8) + 32, NpgsqlDbType.Integer),
                (now + Lease, NpgsqlDbType.TimestampTz),
                (owners.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text));

            if (ids.Count == 0)
            {
                return (candidates, []);
            }

            jobs = await Db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id)).ToListAsync(cancellationToken);
            recorded = await Outbox.RecordJobEventsAsync(jobs, WebhookEventTypes.JobStarted, subscribed, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        Effects.Apply(new QueueChange { EventsRecorded = recorded });
        return (candidates, jobs);
    }

    /// <summary>
    /// Runs a PostgreSQL statement with positional parameters in the current transaction, prepared: Npgsql keeps a
    /// prepared statement per physical connection and reuses it for the same text, so the planner's work (several ms for
    /// the claim) is done once per connection instead of on every call.
    /// </summary>
    private async Task PreparedAsync(string sql, Func<Npgsql.NpgsqlDataReader, Task> read, CancellationToken cancellationToken, params (object Value, NpgsqlDbType Type)[] parameters)
    {
        var connection = (Npgsql.NpgsqlConnection)Db.Database.GetDbConnection();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection, (Npgsql.NpgsqlTransaction?)Db.Database.CurrentTransaction?.GetDbTransaction());
        foreach (var (value, type) in parameters)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = value, NpgsqlDbType = type });
        }

        await command.PrepareAsync(cancellationToken);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await read(reader);
    }

    /// <summary>Records <paramref name="completions"/>; the result at each index says whether that one applied.</summary>
    public override async Task<IReadOnlyList<TransitionResult>> CompleteManyAsync(IReadOnlyList<Completion> completions, CancellationToken cancellationToken)
    {
        var now = Now;
        var ended = new List<string>(completions.Count);
        var announce = new List<string>();
        var batchIds = new List<string>();
        var subscribed = false;
        bool recorded;
        var settled = new List<BatchOutcome>();
        await using (var transaction = await Db.Database.BeginTransactionAsync(cancellationToken))
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
                (Options.TenantConcurrency, NpgsqlDbType.Integer),
                (completions.Select(c => c.InputBytes).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint),
                (completions.Select(c => c.OutputBytes).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Bigint));

            // Events need the job as it is now; only jobs someone listens to are read back.
            var listened = announce.Count == 0 ? [] : await Db.Jobs.AsNoTracking().Where(j => announce.Contains(j.Id)).ToListAsync(cancellationToken);
            recorded = await Outbox.RecordJobEventsAsync(listened, WebhookEventTypes.JobCompleted, subscribed, cancellationToken);
            // Each batch once, in id order: groups ending jobs of the same batches lock their rows in the same order.
            foreach (var batchId in batchIds.Distinct().Order(StringComparer.Ordinal))
            {
                settled.Add(await Batches.OnJobEndedAsync(batchId, cancellationToken));
            }

            await transaction.CommitAsync(cancellationToken);
        }

        if (ended.Count > 0)
        {
            Effects.Apply(Transitions.Announced(recorded, settled, leftRunning: true));
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
            SELECT * FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::text[], $7::text[], $8::text[], $11::int8[], $12::int8[])
                AS d(id, owner, fps, speed, output_json, result_json, log, input_bytes, output_bytes)),
        ended AS (
            UPDATE jobs SET status = {{Guarded.Sql(JobTransition.Complete.To)}}, lease_owner = NULL, lease_expires_at = NULL, fps = d.fps, speed = d.speed,
                   progress = 100, stage = 'completed', eta_seconds = 0, completed_at = $1, updated_at = $1,
                   output_json = d.output_json, result_json = d.result_json, error_code = NULL, error_message = NULL, log = d.log,
                   input_bytes = d.input_bytes, output_bytes = d.output_bytes
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

    /// <summary>Claims and ends in flight commit before the count is taken.</summary>
    protected override Task LockTenantsAsync(CancellationToken cancellationToken) =>
        Db.Database.ExecuteSqlAsync($"SELECT 1 FROM tenant_schedules ORDER BY tenant_id FOR UPDATE", cancellationToken);
}
