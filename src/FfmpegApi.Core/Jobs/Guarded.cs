using System.Linq.Expressions;

namespace FfmpegApi.Core.Jobs;

/// <summary>The WHERE clause of a transition, from its row of the state machine.</summary>
public static class Guarded
{
    private static readonly ParameterExpression Row = Expression.Parameter(typeof(Job), "j");

    /// <summary>
    /// The jobs <paramref name="transition"/> may move: those in one of its <see cref="JobTransition.From"/> states. The
    /// states are constants in the SQL (<c>status = 'Queued'</c>), not parameters, so the planner can use the partial
    /// index of queued jobs and needs no <c>IN</c> over a parameter list.
    /// </summary>
    public static IQueryable<Job> Movable(this IQueryable<Job> jobs, JobTransition transition)
    {
        var status = Expression.Property(Row, nameof(Job.Status));
        var test = transition.From.Select(s => (Expression)Expression.Equal(status, Expression.Constant(s))).Aggregate(Expression.OrElse);
        return jobs.Where(Expression.Lambda<Func<Job, bool>>(test, Row));
    }

    /// <summary>The state names for raw SQL (<c>'Queued'</c>), as EF stores them.</summary>
    public static string Sql(JobStatus status) => $"'{status}'";
}
