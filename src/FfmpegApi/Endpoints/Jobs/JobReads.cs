using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FfmpegApi.Core.Caching;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// The job read path, the most frequent request (clients and the dashboard poll it). A job's <see cref="JobStamp"/>
/// (one indexed row, a compiled query) says whether it changed: every write to a job moves its <c>updated_at</c>.
/// Views are kept as UTF-8 bytes keyed by job and stamp, so an unchanged job (every finished one) costs the stamp
/// query and a copy; the ETag is the stamp (and this build), so <c>If-None-Match</c> answers 304 before the row is read.
/// Correct across processes: nothing is invalidated, a changed row simply has a new stamp. A finished job's row never
/// changes again (no transition leaves a terminal state, and rows are not deleted), so its view is served from the cache
/// without even the stamp query.
/// </summary>
public sealed class JobReads : IDisposable
{
    private static readonly string Build = typeof(JobReads).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8];
    private readonly MemoryCache? _views;

    public JobReads(IOptions<CacheOptions> options)
    {
        var megabytes = options.Value.JobViewMegabytes;
        _views = megabytes > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = megabytes * 1024L * 1024L }) : null;
    }

    public void Dispose() => _views?.Dispose();

    /// <summary>The ETag of one view of a job at <paramref name="stamp"/>: its version, not its bytes (no hashing, no read).</summary>
    public static string ETagOf(JobStamp stamp, char view) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{view}{stamp.UpdatedAt.Ticks:x}.{(int)stamp.Status}.{stamp.Attempts}.{Build}\"");

    /// <summary>Whether the request's <c>If-None-Match</c> names <paramref name="etag"/> (weak comparison) or is <c>*</c>.</summary>
    public static bool NotModified(HttpRequest request, string etag)
    {
        var ours = new EntityTagHeaderValue(etag);
        return request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(ours, useStrongComparison: false));
    }

    /// <summary>The cached view (with attempts) and stamp of a finished job, which never changes again; null when not cached.</summary>
    public (byte[] Body, JobStamp Stamp)? Finished(string id) =>
        Cached("v:" + id) is { } cached && JobStateMachine.IsTerminal(cached.Stamp.Status) ? (cached.Body, cached.Stamp) : null;

    /// <summary>
    /// The serialized view of a job (with its attempts when <paramref name="withAttempts"/>) and its stamp, from the
    /// cache or built once; null when the job was removed since <paramref name="stamp"/> was read (retention).
    /// </summary>
    public async Task<(byte[] Body, JobStamp Stamp)?> ViewAsync(AppDbContext db, JobStamp stamp, bool withAttempts, CancellationToken cancellationToken)
    {
        var key = (withAttempts ? "v:" : "i:") + stamp.Id;
        if (Cached(key) is { } cached && cached.Stamp == stamp)
        {
            return (cached.Body, stamp);
        }

        var job = await db.Jobs.AsNoTracking().Where(j => j.Id == stamp.Id).Select(JobAccess.WithoutLog).FirstOrDefaultAsync(cancellationToken);
        if (job is null)
        {
            return null;
        }

        var view = JobView.From(job);
        if (withAttempts)
        {
            var attempts = await db.JobAttempts.AsNoTracking().Where(a => a.JobId == job.Id).OrderBy(a => a.Id).ToListAsync(cancellationToken);
            view = view with { AttemptHistory = [.. attempts.Select(JobAttemptView.From)] };
        }

        return (Remember(key, job, view), JobStamp.Of(job));
    }

    /// <summary>
    /// The views of a page of jobs (list items, without attempts): cached ones as they are, the rest read in one query;
    /// a job removed since its stamp was read is left out.
    /// </summary>
    public async Task<List<byte[]>> ItemsAsync(AppDbContext db, IReadOnlyList<JobStamp> stamps, CancellationToken cancellationToken)
    {
        var bodies = new byte[]?[stamps.Count];
        var missing = new List<string>();
        for (var i = 0; i < stamps.Count; i++)
        {
            if (Cached("i:" + stamps[i].Id) is { } cached && cached.Stamp == stamps[i])
            {
                bodies[i] = cached.Body;
            }
            else
            {
                missing.Add(stamps[i].Id);
            }
        }

        if (missing.Count > 0)
        {
            var rows = await db.Jobs.AsNoTracking().Where(j => missing.Contains(j.Id)).Select(JobAccess.WithoutLog).ToDictionaryAsync(j => j.Id, StringComparer.Ordinal, cancellationToken);
            for (var i = 0; i < stamps.Count; i++)
            {
                if (bodies[i] is null && rows.GetValueOrDefault(stamps[i].Id) is { } job)
                {
                    bodies[i] = Remember("i:" + job.Id, job, JobView.From(job));
                }
            }
        }

        return [.. bodies.OfType<byte[]>()];
    }

    /// <summary>The ETag of a list answer: its query, its total and every listed job's stamp.</summary>
    public static string ListETag(string query, int total, IReadOnlyList<JobStamp> stamps)
    {
        var text = new StringBuilder(query).Append('|').Append(total).Append('|').Append(Build);
        foreach (var s in stamps)
        {
            text.Append('|').Append(s.Id).Append(':').Append(s.UpdatedAt.Ticks).Append(':').Append((int)s.Status).Append(':').Append(s.Attempts);
        }

        return "\"l" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..24] + "\"";
    }

    /// <summary>The list answer, written around the cached item bytes: the same JSON as <see cref="JobListResponse"/>.</summary>
    public static byte[] ListBody(IReadOnlyList<byte[]> items, int total, int page, int perPage)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + items.Sum(i => i.Length));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("jobs");
            foreach (var item in items)
            {
                json.WriteRawValue(item, skipInputValidation: true);
            }

            json.WriteEndArray();
            json.WriteNumber("total", total);
            json.WriteNumber("page", page);
            json.WriteNumber("per_page", perPage);
            json.WriteBoolean("has_next", page * perPage < total);
            json.WriteBoolean("has_prev", page > 1);
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private CachedView? Cached(string key) => _views is not null && _views.TryGetValue(key, out CachedView? cached) ? cached : null;

    /// <summary>Serializes a job's view and keeps it under <paramref name="key"/> at the row's stamp; returns the bytes.</summary>
    private byte[] Remember(string key, Job job, JobView view)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(view, JobJsonContext.Service.JobView);
        _views?.Set(key, new CachedView(JobStamp.Of(job), body), new MemoryCacheEntryOptions { Size = body.Length + 128, SlidingExpiration = TimeSpan.FromMinutes(30) });
        return body;
    }

    private sealed record CachedView(JobStamp Stamp, byte[] Body);
}

/// <summary>What says whether a job changed: every write to a job row moves <c>updated_at</c>.</summary>
public sealed record JobStamp(string Id, string TenantId, DateTime UpdatedAt, JobStatus Status, int Attempts)
{
    public static JobStamp Of(Job job) => new(job.Id, job.TenantId, job.UpdatedAt, job.Status, job.Attempts);
}
