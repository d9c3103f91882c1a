using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Tenant isolation in one place: every job query starts here.</summary>
public static class JobAccess
{
    /// <summary>The stamp query, compiled once per model (a compiled query serves one model: SQLite's or PostgreSQL's).</summary>
    private static readonly ConditionalWeakTable<IModel, Func<AppDbContext, string, string, bool, CancellationToken, Task<JobStamp?>>> StampQueries = [];

    /// <summary>A job row's stamp: what says whether it changed (see <see cref="JobStamp"/>).</summary>
    private static readonly Expression<Func<Job, JobStamp>> StampOfRow = j => new JobStamp(j.Id, j.TenantId, j.UpdatedAt, j.Status, j.Attempts);

    /// <summary>A job row without its log (the one column that grows): what views are built from.</summary>
    public static readonly Expression<Func<Job, Job>> WithoutLog = j => new Job
    {
        Id = j.Id,
        TenantId = j.TenantId,
        ApiKeyId = j.ApiKeyId,
        Status = j.Status,
        Priority = j.Priority,
        SpecJson = j.SpecJson,
        DeliveryJson = j.DeliveryJson,
        CreatedAt = j.CreatedAt,
        UpdatedAt = j.UpdatedAt,
        StartedAt = j.StartedAt,
        CompletedAt = j.CompletedAt,
        Progress = j.Progress,
        Stage = j.Stage,
        Fps = j.Fps,
        Speed = j.Speed,
        EtaSeconds = j.EtaSeconds,
        Attempts = j.Attempts,
        MaxAttempts = j.MaxAttempts,
        RunAfter = j.RunAfter,
        Requires = j.Requires,
        Hardware = j.Hardware,
        TraceParent = j.TraceParent,
        LeaseOwner = j.LeaseOwner,
        LeaseExpiresAt = j.LeaseExpiresAt,
        CancelRequested = j.CancelRequested,
        ErrorCode = j.ErrorCode,
        ErrorMessage = j.ErrorMessage,
        OutputPath = j.OutputPath,
        OutputJson = j.OutputJson,
        ResultJson = j.ResultJson,
        BatchId = j.BatchId,
        BatchIndex = j.BatchIndex,
        DependsOn = j.DependsOn,
        InputBytes = j.InputBytes,
        OutputBytes = j.OutputBytes,
    };

    public static IQueryable<Job> VisibleTo(this AppDbContext db, Caller caller) =>
        caller.IsAdmin ? db.Jobs.AsNoTracking() : db.Jobs.AsNoTracking().Where(j => j.TenantId == caller.TenantId);

    public static Task<Job?> FindVisibleAsync(this AppDbContext db, Caller caller, string id, CancellationToken cancellationToken) =>
        db.VisibleTo(caller).FirstOrDefaultAsync(j => j.Id == id, cancellationToken);

    /// <summary>A visible job's stamp (one indexed row, a compiled query), or null: what the read path asks first.</summary>
    public static Task<JobStamp?> StampAsync(this AppDbContext db, Caller caller, string id, CancellationToken cancellationToken) =>
        StampQueries.GetValue(db.Model, _ => EF.CompileAsyncQuery(
            (AppDbContext c, string jobId, string tenantId, bool admin, CancellationToken _) =>
                c.Jobs.Where(j => j.Id == jobId && (admin || j.TenantId == tenantId)).Select(StampOfRow).FirstOrDefault()))(db, id, caller.TenantId, caller.IsAdmin, cancellationToken);

    /// <summary>The stamps of a (visible, filtered, ordered) job query.</summary>
    public static IQueryable<JobStamp> Stamps(this IQueryable<Job> jobs) => jobs.Select(StampOfRow);
}
