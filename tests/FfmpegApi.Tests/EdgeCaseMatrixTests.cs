using System.Globalization;
using System.Text.Json.Nodes;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Inputs that break naive pipelines × job kinds. Each input is made by ffmpeg (about one second of 320x240) and run
/// through convert (MP4), DASH, a thumbnail and an analysis; what completes is read back with ffprobe, what fails must
/// fail with INVALID_INPUT and a message that says why.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class EdgeCaseMatrixTests(ServerFixture fixture)
{
    private const string Picture = "testsrc2=size=320x240:rate=25:duration=1";
    private const string Tone = "sine=frequency=440:sample_rate=48000:duration=1";
    private static readonly SemaphoreSlim Making = new(1, 1);
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    /// <summary>Edge case → file name and the ffmpeg arguments that make it (after -y).</summary>
    private static readonly Dictionary<string, (string File, string[] Args)> Cases = new(StringComparer.Ordinal)
    {
        ["rotated"] = ("rotated.mp4", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-c:v", "libx264", "-preset", "ultrafast"]),
        ["vfr"] = ("vfr.mkv", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-vf", "select='not(between(n\\,5\\,14))'", "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast"]),
        ["odd-size"] = ("odd.mkv", ["-f", "lavfi", "-i", "testsrc2=size=321x241:rate=25:duration=1", "-f", "lavfi", "-i", Tone, "-c:v", "ffv1"]),
        ["anamorphic"] = ("anamorphic.mp4", ["-f", "lavfi", "-i", "testsrc2=size=352x288:rate=25:duration=1", "-f", "lavfi", "-i", Tone, "-vf", "setsar=12/11", "-c:v", "libx264", "-preset", "ultrafast"]),
        ["portrait"] = ("portrait.mp4", ["-f", "lavfi", "-i", "testsrc2=size=240x320:rate=30:duration=1", "-f", "lavfi", "-i", Tone, "-c:v", "libx264", "-preset", "ultrafast"]),
        ["surround-7.1"] = ("surround.mkv", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-af", "aformat=channel_layouts=7.1", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "flac"]),
        ["two-audio-tracks"] = ("tracks.mkv", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-f", "lavfi", "-i", "sine=frequency=880:duration=1", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]),
        ["no-audio"] = ("silent.mp4", ["-f", "lavfi", "-i", Picture, "-c:v", "libx264", "-preset", "ultrafast"]),
        ["subtitles-and-data"] = ("subs.mkv", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-i", "{SRT}", "-map", "0", "-map", "1", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:s", "srt", "-attach", "{SRT}", "-metadata:s:t", "mimetype=text/plain"]),
        ["hdr10-hevc"] = ("hdr.mp4", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc", "-tag:v", "hvc1"]),
        ["hlg-hevc"] = ("hlg.mkv", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-vf", "format=yuv420p10le", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-color_primaries", "bt2020", "-color_trc", "arib-std-b67", "-colorspace", "bt2020nc"]),
        ["interlaced"] = ("interlaced.ts", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=50:duration=1", "-f", "lavfi", "-i", Tone, "-vf", "interlace", "-c:v", "mpeg2video", "-flags", "+ilme+ildct", "-top", "1", "-c:a", "mp2"]),
        ["late-start"] = ("late.ts", ["-f", "lavfi", "-i", Picture, "-f", "lavfi", "-i", Tone, "-c:v", "libx264", "-preset", "ultrafast", "-output_ts_offset", "10"]),
        ["one-frame"] = ("frame.mp4", ["-f", "lavfi", "-i", Picture, "-frames:v", "1", "-c:v", "libx264", "-preset", "ultrafast"]),
        ["truncated"] = ("truncated.ts", ["-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=2", "-f", "lavfi", "-i", "sine=duration=2", "-c:v", "libx264", "-preset", "ultrafast"]),
    };

    /// <summary>What each case is and what the service does with it (docs/conformance.md).</summary>
    internal static readonly Dictionary<string, string> Behaviour = new(StringComparer.Ordinal)
    {
        ["rotated"] = "phone video (320x240 stored, display matrix 90°): outputs upright, 240x320, no rotation left",
        ["vfr"] = "variable frame rate (10 frames missing mid-file): timing kept, 1 s",
        ["odd-size"] = "321x241 FFV1: the H.264 4:2:0 output has even sides, 320x240",
        ["anamorphic"] = "352x288 at 12:11: sample aspect kept on convert; ladders and thumbnails sized as shown",
        ["portrait"] = "240x320: stays portrait; a ladder rung's number is its width",
        ["surround-7.1"] = "7.1 FLAC: AAC keeps 7.1; MP3 and MP2 downmix to stereo; ladders are stereo AAC",
        ["two-audio-tracks"] = "two audio tracks: the first is used",
        ["no-audio"] = "video only: outputs without audio",
        ["subtitles-and-data"] = "an SRT track and an attachment: left out of outputs (-sn -dn; soft subtitles only when asked)",
        ["hdr10-hevc"] = "10-bit HEVC, BT.2020 PQ: written as asked (H.264 8-bit by default); H.265, AV1 and VP9 outputs stay 10-bit PQ",
        ["hlg-hevc"] = "10-bit HEVC, BT.2020 HLG: as PQ; HLG plays acceptably on SDR screens without tone mapping",
        ["interlaced"] = "MPEG-2 interlaced TS with MP2 audio: converted as is",
        ["late-start"] = "MPEG-TS starting at 11.4 s: outputs start at 0; a single thumbnail falls back to decoding from the start",
        ["one-frame"] = "a single-frame video: converts and packages; a thumbnail at 0.5 s is past its end",
        ["truncated"] = "2 s MPEG-TS cut at 60 %: what decodes is used",
    };

    /// <summary>Cells that do not complete, with the error code and a fragment of the message users get.</summary>
    internal static readonly Dictionary<(string Case, string Kind), (string Code, string Message)> Refused = new()
    {
        [("one-frame", "thumbnail")] = ("INVALID_INPUT", "is past the end of the input"),
    };

    internal static readonly string[] Kinds = ["convert", "dash", "thumbnail", "analyze"];

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in Cases.Keys)
        {
            foreach (var kind in Kinds)
            {
                data.Add(name, kind);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_edge_case_runs_through_each_job_kind(string name, string kind)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "media behaviour does not depend on the database: the SQLite pass runs it");
        var input = await InputAsync(name);
        var body = kind switch
        {
            "convert" => JobClient.Json(new { input, output = "mp4" }),
            "dash" => JobClient.Json(new { input, type = "dash", segment_duration = 1, variants = new[] { new { resolution = "144p" } } }),
            "thumbnail" => JobClient.Json(new { input, time = 0.5, format = "png" }),
            _ => JobClient.Json(new { input, reference = input, metrics = new[] { "psnr" } }),
        };
        var url = kind switch { "convert" => "/api/v1/convert", "dash" => "/api/v1/stream", "thumbnail" => "/api/v1/thumbnails", _ => "/api/v1/analyze" };
        var done = await _client.WaitForEndAsync(await _client.SubmitToAsync(url, body), 120);
        if (Refused.TryGetValue((name, kind), out var refused))
        {
            done["status"]!.GetValue<string>().ShouldBe("failed", $"{name} × {kind}");
            done["error"]!["code"]!.GetValue<string>().ShouldBe(refused.Code);
            done["error"]!["message"]!.GetValue<string>().ShouldContain(refused.Message);
            return;
        }

        done["status"]!.GetValue<string>().ShouldBe("completed", $"{name} × {kind}: {done["error"]?.ToJsonString()}");
        await CheckAsync(name, kind, done);
    }

    private async Task CheckAsync(string name, string kind, JsonNode done)
    {
        var output = done["output"]?["path"]?.GetValue<string>();
        if (kind == "convert")
        {
            var probe = await TestMedia.ProbeAsync(_server.Physical(output!));
            var video = probe.FirstVideo;
            if (name == "rotated")
            {
                (video!.Width, video.Height, video.Rotation).ShouldBe((240, 320, 0), "upright");
            }

            if (name == "odd-size")
            {
                (video!.Width, video.Height).ShouldBe((320, 240), "even sides for 4:2:0 H.264");
            }

            probe.FirstAudio?.Channels.ShouldBe(name == "surround-7.1" ? 8 : 1, name);
            (probe.Streams.Count(s => s.CodecType == "audio") <= 1).ShouldBeTrue("the first audio track by default");
            probe.Streams.ShouldNotContain(s => s.CodecType == "subtitle" || s.CodecType == "data" || s.CodecType == "attachment");
            if (name != "one-frame")
            {
                probe.DurationSeconds!.Value.ShouldBe(name == "truncated" ? 1.0 : 1.0, name == "truncated" ? 0.6 : 0.15, string.Create(CultureInfo.InvariantCulture, $"{name}: {probe.DurationSeconds}"));
            }
        }
        else if (kind == "thumbnail")
        {
            var (codec, width, height) = await TestMedia.ImageAsync(_server.Physical(output!));
            codec.ShouldBe("png");
            (width % 2, height % 2).ShouldBe((0, 0));
            (width > height).ShouldBe(name is not ("rotated" or "portrait"), $"{name}: {width}x{height}");
        }
        else if (kind == "dash")
        {
            File.Exists(_server.Physical(output!)).ShouldBeTrue();
        }
    }

    /// <summary>Makes the case's file once (the matrix runs it for every job kind).</summary>
    private async Task<string> InputAsync(string name)
    {
        var (file, args) = Cases[name];
        var path = Path.Combine(_server.StorageRoot, "input", "edgecases", file);
        await Making.WaitAsync();
        try
        {
            if (!File.Exists(path))
            {
                var srt = Path.Combine(_server.StorageRoot, "input", "subs.srt");
                var part = path + ".part" + Path.GetExtension(file);
                await TestMedia.FfmpegAsync([.. args.Select(a => a.Replace("{SRT}", srt, StringComparison.Ordinal)), part]);
                if (name == "rotated")
                {
                    await TestMedia.RotatedCopyAsync(part, path + ".turned.mp4", 90);
                    File.Move(path + ".turned.mp4", part, overwrite: true);
                }

                if (name == "truncated")
                {
                    // Cut mid-stream: what decodes is used.
                    await using var stream = new FileStream(part, FileMode.Open);
                    stream.SetLength(stream.Length * 6 / 10 / 188 * 188 + 100);
                }

                File.Move(part, path);
            }
        }
        finally
        {
            Making.Release();
        }

        return $"/storage/input/edgecases/{file}";
    }
}
