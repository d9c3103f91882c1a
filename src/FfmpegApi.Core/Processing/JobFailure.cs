namespace FfmpegApi.Core.Processing;

/// <summary>
/// A run that ends the job with an error code and a client-safe message. A transient failure (the machine's fault, not
/// the input's) sends the job back to the queue while it has attempts left; any other fails it at once.
/// </summary>
internal sealed class JobFailure(string code, string message, bool transient = false) : Exception(message)
{
    public string Code { get; } = code;

    public bool Transient { get; } = transient;

    /// <summary>Runs a planner; a plan it refuses (<see cref="Media.Commands.PlanningException"/>) fails the job with <paramref name="code"/>.</summary>
    public static T Planned<T>(string code, Func<T> plan)
    {
        try
        {
            return plan();
        }
        catch (Media.Commands.PlanningException ex)
        {
            throw new JobFailure(code, ex.Message);
        }
    }
}
