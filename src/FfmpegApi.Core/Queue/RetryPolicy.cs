using FfmpegApi.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Core.Queue;

/// <summary>
/// When a transiently failed job may run again: <c>Worker:RetryBaseSeconds</c> doubled per attempt used, capped at
/// <c>Worker:RetryMaxSeconds</c>, with "equal jitter" (half fixed, half random) so jobs that failed together (a storage
/// outage) do not all come back at the same instant.
/// </summary>
public sealed class RetryPolicy(IOptions<WorkerOptions> options, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    /// <summary>The delay before the attempt after <paramref name="attemptsUsed"/> (1 for the first retry).</summary>
    public TimeSpan Delay(int attemptsUsed)
    {
        var o = options.Value;
        var exponent = Math.Clamp(attemptsUsed - 1, 0, 30);
        var ceiling = Math.Min(o.RetryMaxSeconds, o.RetryBaseSeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds((ceiling / 2) + (_random() * ceiling / 2));
    }
}
