using FfmpegApi.Core.Data;
using FfmpegApi.Core.Jobs;
using FfmpegApi.Security;
using Microsoft.EntityFrameworkCore;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Tenant isolation in one place: every job query starts here.</summary>
public static class JobAccess
{
    public static IQueryable<Job> VisibleTo(this AppDbContext db, Caller caller) =>
        caller.IsAdmin ? db.Jobs.AsNoTracking() : db.Jobs.AsNoTracking().Where(j => j.TenantId == caller.TenantId);

    public static Task<Job?> FindVisibleAsync(this AppDbContext db, Caller caller, string id, CancellationToken cancellationToken) =>
        db.VisibleTo(caller).FirstOrDefaultAsync(j => j.Id == id, cancellationToken);
}
