namespace FfmpegApi.Core.Jobs;

/// <summary>The WHERE clause of a transition, from its row of the state machine.</summary>
public static class Guarded
{
    /// <summary>The jobs <paramref name="transition"/> may move: those in one of its <see cref="JobTransition.From"/> states.</summary>
    public static IQueryable<Job> Movable(this IQueryable<Job> jobs, JobTransition transition)
    {
        if (transition.From is [var only])
        {
            return jobs.Where(j => j.Status == only);
        }

        var from = transition.From.ToArray();
        return jobs.Where(j => from.Contains(j.Status));
    }

    /// <summary>The state names for raw SQL (<c>'Queued'</c>), as EF stores them.</summary>
    public static string Sql(JobStatus status) => $"'{status}'";
}
