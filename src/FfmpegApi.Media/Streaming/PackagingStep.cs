using System.Globalization;
using FfmpegApi.Media.Commands;

namespace FfmpegApi.Media.Streaming;

/// <summary>
/// One decode feeding every rendition (split → scale per rung), H.264 per rung with its own bitrate and VBV, one
/// AAC audio rendition shared by all, keyframes forced at every segment boundary so renditions switch cleanly,
/// and the HLS or DASH muxer writing playlists/manifest and segments into the package directory.
/// </summary>
public sealed record PackagingStep(StreamingSpec Spec, IReadOnlyList<Rendition> Renditions, bool Audio, string PackageDirectory) : IOutputOptionStep
{
    public const string HlsMaster = "master.m3u8";
    public const string DashManifest = "manifest.mpd";

    /// <summary>Which of the input's audio streams the audio rendition is made from (<c>input.audio_track</c>).</summary>
    public int AudioTrack { get; init; }

    /// <summary>The muxer's output: the variant playlist pattern (HLS) or the manifest (DASH), an absolute path.</summary>
    public string OutputPattern => Spec.Format == StreamingFormat.Hls
        ? Path.Combine(PackageDirectory, "v%v", "index.m3u8")
        : Path.Combine(PackageDirectory, DashManifest);

    public IEnumerable<string> OutputArguments
    {
        get
        {
            var n = Renditions.Count;
            var graph = new List<string> { $"[0:V:0]split={n}{string.Concat(Enumerable.Range(0, n).Select(i => $"[s{i}]"))}" };
            for (var i = 0; i < n; i++)
            {
                var r = Renditions[i];
                graph.Add($"[s{i}]scale=w={r.Width}:h={r.Height}:flags=lanczos,setsar={(r.Sar is { } sar ? $"r={sar.Num}/{sar.Den}:max={Math.Max(sar.Num, sar.Den)}" : "1")}[v{i}]");
            }

            var args = new List<string> { "-filter_complex", string.Join(';', graph) };
            for (var i = 0; i < n; i++)
            {
                args.AddRange(["-map", $"[v{i}]"]);
            }

            if (Audio)
            {
                args.AddRange(["-map", $"0:a:{AudioTrack.ToString(CultureInfo.InvariantCulture)}"]);
            }

            args.AddRange(["-sn", "-dn", "-c:v", "libx264", "-preset", "veryfast", "-profile:v", "high", "-pix_fmt", "yuv420p"]);
            for (var i = 0; i < n; i++)
            {
                var r = Renditions[i];
                // A searched CRF keeps the rung's bitrate as a cap only (capped CRF, the per-title ladder's usual form).
                args.AddRange(r.Crf is { } crf ? [$"-crf:v:{i}", crf.ToString("0.##", CultureInfo.InvariantCulture)] : [$"-b:v:{i}", VideoEncoderStep.Bits(r.BitrateBps)]);
                args.AddRange([$"-maxrate:v:{i}", VideoEncoderStep.Bits(r.MaxRateBps), $"-bufsize:v:{i}", VideoEncoderStep.Bits(r.BufferBps)]);
            }

            // A keyframe at every segment boundary, in every rendition, and no scene-cut keyframes in between.
            var seconds = Spec.SegmentSeconds.ToString("0.###", CultureInfo.InvariantCulture);
            args.AddRange(["-force_key_frames", $"expr:gte(t,n_forced*{seconds})", "-sc_threshold", "0"]);
            if (Audio)
            {
                args.AddRange(["-c:a", "aac", "-b:a", VideoEncoderStep.Bits(Spec.AudioBitrateBps), "-ac", "2"]);
            }

            args.AddRange(Spec.Format == StreamingFormat.Hls ? HlsArguments(seconds) : DashArguments(seconds));
            return args;
        }
    }

    private List<string> HlsArguments(string seconds)
    {
        var fmp4 = Spec.Segments == SegmentContainer.Fmp4;
        var streams = Renditions.Select((r, i) => Audio ? $"v:{i},agroup:audio,name:{r.Name}" : $"v:{i},name:{r.Name}").ToList();
        if (Audio)
        {
            streams.Add($"a:0,agroup:audio,name:audio,default:yes");
        }

        var args = new List<string> { "-f", "hls", "-hls_time", seconds, "-hls_playlist_type", "vod", "-hls_flags", "independent_segments" };
        if (fmp4)
        {
            args.AddRange(["-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", "init.mp4"]);
        }

        args.AddRange(["-hls_segment_filename", Path.Combine(PackageDirectory, "v%v", fmp4 ? "seg_%05d.m4s" : "seg_%05d.ts")]);
        args.AddRange(["-master_pl_name", HlsMaster, "-var_stream_map", string.Join(' ', streams)]);
        return args;
    }

    private List<string> DashArguments(string seconds)
    {
        var sets = Audio ? "id=0,streams=v id=1,streams=a" : "id=0,streams=v";
        return
        [
            "-f", "dash", "-seg_duration", seconds, "-use_template", "1", "-use_timeline", "1", "-adaptation_sets", sets,
            "-init_seg_name", "init-$RepresentationID$.m4s", "-media_seg_name", "chunk-$RepresentationID$-$Number%05d$.m4s",
        ];
    }
}
