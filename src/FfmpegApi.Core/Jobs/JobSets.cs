namespace FfmpegApi.Core.Jobs;

/// <summary>Sets of jobs that quotas and usage count.</summary>
public static class JobSets
{
    /// <summary>Jobs that hold a place: queued, waiting for a dependency, or running.</summary>
    public static IQueryable<Job> Active(this IQueryable<Job> jobs) =>
        jobs.Where(j => j.Status == JobStatus.Queued || j.Status == JobStatus.Running || j.Status == JobStatus.Waiting);
}
