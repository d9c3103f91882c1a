using FfmpegApi.Media.Probe;

namespace FfmpegApi.Core.Processing;

/// <summary>
/// The input's checks beside ffmpeg, from ffmpeg's own description of it on stderr (<see cref="FfmpegHeader"/>) rather
/// than a second process: one ffprobe spawn (110–150 ms of CPU here) less per conversion. An unusable input stops the
/// run with the same failure the probe gave. ffprobe still runs where the description is not understood, and where
/// ffmpeg fails before it describes the input (then ffprobe explains why, as it always did).
/// </summary>
internal sealed class InputWatch(InputProbe probes, JobRun run, string inputPath, Func<MediaInfo, JobFailure?> check, CancellationToken cancellationToken)
{
    private Task<ProbeOutcome>? _probe;
    private JobFailure? _failure;
    private bool _described;

    /// <summary>Follows a pass's stderr: its first input's description is checked as soon as ffmpeg prints it.</summary>
    public void Follow(FfmpegHeader header) => header.InputRead += (index, info) =>
    {
        if (index != 0 || _described)
        {
            return;
        }

        _described = true;
        if (info is null)
        {
            _probe = probes.ProbeBesideAsync(run, inputPath, check, cancellationToken);
            return;
        }

        _failure = check(info);
        if (_failure is not null)
        {
            run.Rejection = _failure;
            run.Stop(StopReason.InputRejected);
        }
    };

    /// <summary>After ffmpeg exited: the failure that rejects the input, if any.</summary>
    public async Task<JobFailure?> FailureAsync(bool ffmpegFailed)
    {
        if (_failure is not null)
        {
            return _failure;
        }

        if (_probe is null && !_described && ffmpegFailed)
        {
            _probe = probes.ProbeBesideAsync(run, inputPath, check, cancellationToken);
        }

        return _probe is null ? null : (await _probe).Failure;
    }
}
