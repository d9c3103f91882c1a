using FfmpegApi.Core.Queue;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// Group commit of completions: runs that end while another group is being written wait for it and are then written
/// together, in one transaction (<see cref="IJobQueue.CompleteManyAsync"/>). An idle committer writes the first
/// completion at once, so grouping adds no delay; under load one round trip records many jobs. When a group fails
/// for any reason, its completions are retried one by one, so one bad completion cannot fail the others; each caller
/// gets its own result or error.
/// </summary>
public sealed partial class CompletionCommitter(IServiceScopeFactory scopes, JobMetrics metrics, ILogger<CompletionCommitter> logger)
{
    /// <summary>The most completions written in one transaction.</summary>
    public const int MaxGroup = 64;

    private readonly Lock _gate = new();
    private readonly Queue<Pending> _pending = new();
    private bool _writing;

    public Task<TransitionResult> CompleteAsync(Completion completion)
    {
        var pending = new Pending(completion, new TaskCompletionSource<TransitionResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        bool lead;
        lock (_gate)
        {
            _pending.Enqueue(pending);
            lead = !_writing;
            _writing = true;
        }

        if (lead)
        {
            // The first caller of an idle committer writes until nothing is left; later callers only wait.
            _ = Task.Run(WriteAllAsync);
        }

        return pending.Result.Task;
    }

    private async Task WriteAllAsync()
    {
        while (true)
        {
            List<Pending> group;
            lock (_gate)
            {
                if (_pending.Count == 0)
                {
                    _writing = false;
                    return;
                }

                group = [];
                while (group.Count < MaxGroup && _pending.TryDequeue(out var next))
                {
                    group.Add(next);
                }
            }

            metrics.CompletionGroup(group.Count);
            try
            {
                Settle(group, await WriteAsync([.. group.Select(p => p.Completion)]));
            }
#pragma warning disable CA1031 // Every waiter gets an outcome: the group is retried one by one, and each error goes to its own caller.
            catch (Exception ex) when (group.Count > 1)
            {
                LogGroupFailed(logger, ex, group.Count);
                foreach (var pending in group)
                {
                    try
                    {
                        Settle([pending], await WriteAsync([pending.Completion]));
                    }
                    catch (Exception one)
                    {
                        pending.Result.TrySetException(one);
                    }
                }
            }
            catch (Exception ex)
            {
                group[0].Result.TrySetException(ex);
            }
#pragma warning restore CA1031
        }
    }

    private async Task<IReadOnlyList<TransitionResult>> WriteAsync(IReadOnlyList<Completion> completions)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IJobQueue>().CompleteManyAsync(completions, CancellationToken.None);
    }

    private static void Settle(List<Pending> group, IReadOnlyList<TransitionResult> results)
    {
        for (var i = 0; i < group.Count; i++)
        {
            group[i].Result.TrySetResult(results[i]);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording a group of {Count} completions failed; recording them one by one")]
    private static partial void LogGroupFailed(ILogger logger, Exception exception, int count);

    private sealed record Pending(Completion Completion, TaskCompletionSource<TransitionResult> Result);
}
