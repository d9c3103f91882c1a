using System.Data.Common;
using System.Text;
using System.Text.Json;
using FfmpegApi.Core.Data;
using FfmpegApi.Core.Idempotency;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Errors;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// <c>Idempotency-Key</c> on work-creating POSTs. The first request with a key stores its answer in the same
/// transaction as its jobs; a repeat with the same method, path and body gets that answer again (header
/// <c>Idempotent-Replayed: true</c>) for 24 h, and creates nothing; the same key with a different request answers 422.
/// Concurrent duplicates race on the (tenant, key) primary key: one commits, the others replay it.
/// </summary>
public sealed class IdempotencyGate(IdempotencyStore store, AppDbContext db)
{
    public const string Header = "Idempotency-Key";

    /// <summary>Reads the header; answers early for a replay, a reused key or a malformed key.</summary>
    public async Task<IdempotencyTicket> BeginAsync(HttpContext context, string tenantId, byte[] body, CancellationToken cancellationToken)
    {
        if (!context.Request.Headers.TryGetValue(Header, out var values))
        {
            return new IdempotencyTicket(null, null, tenantId, null, store);
        }

        var key = values.ToString();
        if (values.Count != 1 || !IdempotencyRecord.IsValidKey(key))
        {
            var errors = new ValidationErrors();
            errors.Add(Header, $"One key of 1 to {IdempotencyRecord.MaxKeyLength} visible ASCII characters (a UUID is typical).", ErrorCodes.InvalidRequest);
            return new IdempotencyTicket(null, null, tenantId, ApiProblem.Invalid(context, errors), store);
        }

        var hash = IdempotencyRecord.Hash(context.Request.Method, context.Request.Path, body);
        var existing = await store.FindAsync(tenantId, key, cancellationToken);
        return new IdempotencyTicket(key, hash, tenantId, existing is null ? null : Replay(context, existing, hash), store);
    }

    /// <summary>After a lost insert race: the winner's answer (or the original error when there is no winner).</summary>
    public async Task<IResult> ReplayWinnerAsync(HttpContext context, IdempotencyTicket ticket, Exception error, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        var winner = await store.FindAsync(ticket.TenantId, ticket.Key!, cancellationToken);
        return winner is null ? throw new InvalidOperationException("Idempotent insert failed without a stored answer.", error) : Replay(context, winner, ticket.Hash!);
    }

    private static IResult Replay(HttpContext context, IdempotencyRecord record, string hash)
    {
        if (!string.Equals(record.RequestHash, hash, StringComparison.Ordinal))
        {
            return ApiProblem.Create(
                context,
                422,
                ErrorCodes.IdempotencyKeyReused,
                "This Idempotency-Key was used in the last 24 h with a different request (method, path or body); send a new key for a new request.",
                new Dictionary<string, string[]> { [Header] = ["Already used with a different request."] });
        }

        context.Response.Headers["Idempotent-Replayed"] = "true";
        if (record.Location is { } location)
        {
            context.Response.Headers.Location = location;
        }

        return TypedResults.Text(record.ResponseBody, "application/json", Encoding.UTF8, record.StatusCode);
    }
}

/// <summary>One request's idempotency state: its key and hash (null without a header), or the answer to give at once.</summary>
public sealed record IdempotencyTicket(string? Key, string? Hash, string TenantId, IResult? Answer, IdempotencyStore Store)
{
    /// <summary>The work to do inside the job transaction: store this answer under the key (null without a key).</summary>
    public Func<Task>? Record(int status, object response, string? location, CancellationToken cancellationToken) =>
        Key is null ? null : () => Store.AddAsync(TenantId, Key, Hash!, status, JsonSerializer.Serialize(response, JsonDefaults.Options), location, cancellationToken);

    /// <summary>A failed insert that another request with the same key may have won.</summary>
    public bool IsRace(Exception e) => Key is not null && e is DbUpdateException or DbException;
}
