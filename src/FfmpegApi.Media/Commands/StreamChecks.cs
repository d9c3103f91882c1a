using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Commands;

/// <summary>Whether a probed input has the streams a job needs (its failures are the job's INVALID_INPUT messages).</summary>
public static class StreamChecks
{
    /// <summary>Throws when the input has no stream that one of the requested outputs can carry.</summary>
    public static void CheckStreams(ConvertSpec spec, MediaInfo input)
    {
        CheckAudioTrack(spec, input);
        foreach (var output in spec.AllOutputs)
        {
            var video = output.Video is not null && input.FirstVideo is not null;
            var audio = output.Audio is not null && input.FirstAudio is not null;
            if (!video && !audio)
            {
                throw new PlanningException(output.Video is null ? "The input has no audio stream to put in an audio-only output."
                    : output.Audio is null ? $"The input has no video stream (a cover image does not count) to put in a video-only output ({output.Format})."
                    : "The input has no video or audio stream that this output can carry.");
            }
        }
    }

    /// <summary>Refuses an <c>input.audio_track</c> the input does not have, naming how many it has.</summary>
    public static void CheckAudioTrack(JobSpec spec, MediaInfo input)
    {
        var tracks = input.Streams.Count(s => s.CodecType == "audio");
        if (spec.AudioTrack is { } track && track >= tracks)
        {
            throw new PlanningException($"input.audio_track is {track}, but the input has {tracks} audio track{(tracks == 1 ? string.Empty : "s")} (numbered from 0).");
        }
    }
}
