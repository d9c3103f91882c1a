using FfmpegApi.Core.Audit;
using FfmpegApi.Errors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FfmpegApi.Endpoints.Admin;

/// <summary><c>GET /api/v1/admin/audit</c>: who did what, when, from where (newest first, filtered, paged).</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder admin)
    {
        admin.MapGet("/audit", ListAsync).WithName("ListAuditEvents")
            .WithSummary("Audit log: key and admin actions, job create/cancel, cross-tenant reads, auth failures")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        return admin;
    }

    internal static async Task<Results<Ok<AuditListResponse>, ProblemHttpResult>> ListAsync(
        HttpContext context,
        AuditLog audit,
        string? action,
        string? actor,
        string? tenant,
        DateTime? since,
        int? page,
        [FromQuery(Name = "per_page")] int? perPage,
        CancellationToken cancellationToken)
    {
        if (page is < 1 || perPage is < 1 or > 200)
        {
            return ApiProblem.Create(context, 422, ErrorCodes.InvalidRequest, "page ≥ 1 and per_page 1–200.", new Dictionary<string, string[]> { [page is < 1 ? "page" : "per_page"] = ["Out of range."] });
        }

        var query = new AuditQuery(action, actor, tenant, since?.ToUniversalTime(), page ?? 1, perPage ?? 50);
        var (events, total) = await audit.QueryAsync(query, cancellationToken);
        return TypedResults.Ok(new AuditListResponse(
            [.. events.Select(e => new AuditEventView(e.Id, e.At, e.Action, e.ActorKeyId, e.ActorTenant, e.ActorIsAdmin, e.Target, e.TargetTenant, e.ClientIp, e.Source, e.Detail))],
            total,
            query.Page,
            query.PerPage,
            query.Page * query.PerPage < total,
            query.Page > 1));
    }
}

public sealed record AuditEventView(string Id, DateTime At, string Action, string? ActorKeyId, string? ActorTenant, bool ActorIsAdmin, string? Target, string? TargetTenant, string? ClientIp, string Source, string? Detail);

public sealed record AuditListResponse(IReadOnlyList<AuditEventView> Events, int Total, int Page, int PerPage, bool HasNext, bool HasPrev);
