using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>POST /stream: real HLS and DASH packages, read back by parsing playlists/manifests and probing segments.</summary>
[Collection(ServerCollection.Name)]
public sealed partial class StreamApiTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    [GeneratedRegex(@"RESOLUTION=(\d+)x(\d+)")]
    private static partial Regex ResolutionAttribute();

    [GeneratedRegex(@"#EXTINF:([\d.]+),")]
    private static partial Regex SegmentDuration();

    private async Task<System.Text.Json.Nodes.JsonNode> PackageAsync(string body)
    {
        var (status, created) = await _client.PostJsonAsync("/api/v1/stream", body);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        created!["job"]!["kind"]!.GetValue<string>().ShouldBe("stream");
        var done = await _client.WaitForEndAsync(created["job"]!["id"]!.GetValue<string>(), 180);
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        return done;
    }

    [Fact]
    public async Task Hls_automatic_ladder_keeps_rungs_the_source_can_feed_with_aligned_segments()
    {
        var done = await PackageAsync("""{"input":"/storage/input/ten.mp4","type":"hls","segment_duration":2}""");
        var streaming = done["streaming"]!;
        streaming["dropped"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["1080p", "720p", "480p"]);
        streaming["variants"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ShouldBe(["360p", "240p"]);
        var master = _server.Physical(done["output"]!["path"]!.GetValue<string>());
        Path.GetFileName(master).ShouldBe("master.m3u8");
        var text = await File.ReadAllTextAsync(master, TestContext.Current.CancellationToken);
        text.ShouldContain("#EXT-X-MEDIA:TYPE=AUDIO");
        ResolutionAttribute().Matches(text).Select(m => $"{m.Groups[1].Value}x{m.Groups[2].Value}").ShouldBe(["640x360", "426x240"]);

        var dir = Path.GetDirectoryName(master)!;
        var durations = new List<string>();
        foreach (var variant in new[] { "v360p", "v240p" })
        {
            var playlist = await File.ReadAllTextAsync(Path.Combine(dir, variant, "index.m3u8"), TestContext.Current.CancellationToken);
            playlist.ShouldContain("#EXT-X-TARGETDURATION:2");
            playlist.ShouldContain("#EXT-X-ENDLIST");
            durations.Add(string.Join(',', SegmentDuration().Matches(playlist).Select(m => m.Groups[1].Value)));
        }

        durations.Distinct().Count().ShouldBe(1, "every rendition is cut at the same times");
        durations[0].Split(',').Length.ShouldBe(5);
        var probe = await TestMedia.ProbeAsync(Path.Combine(dir, "v360p", "seg_00002.ts"));
        probe.FirstVideo!.CodecName.ShouldBe("h264");
        probe.FirstVideo.Width.ShouldBe(640);
        var firstFrame = await FfmpegProcess.CaptureAsync("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=key_frame", "-read_intervals", "%+#1", "-of", "csv=p=0", Path.Combine(dir, "v240p", "seg_00003.ts")], TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        firstFrame.Stdout.Trim().ShouldStartWith("1", customMessage: "each segment starts on a keyframe");
        (await TestMedia.ProbeAsync(Path.Combine(dir, "vaudio", "seg_00000.ts"))).FirstAudio!.CodecName.ShouldBe("aac");
    }

    [Fact]
    public async Task Hls_fmp4_with_requested_variants_drops_those_above_the_source()
    {
        var done = await PackageAsync("""
            {"input":"/storage/input/short.mp4","output":"/storage/output/fmp4-pack/","segment_type":"fmp4","segment_duration":1,
             "variants":[{"resolution":"1080p","bitrate":"5M"},{"resolution":"240p","bitrate":"300k"},{"resolution":"160x120","bitrate":"150k"}]}
            """);
        var streaming = done["streaming"]!;
        streaming["segment_type"]!.GetValue<string>().ShouldBe("fmp4");
        streaming["dropped"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["1080p"]);
        streaming["variants"]!.AsArray().Select(v => v!["bitrate"]!.GetValue<long>()).ShouldAllBe(b => b <= 300_000);
        var dir = Path.Combine(_server.StorageRoot, "output", "fmp4-pack");
        File.Exists(Path.Combine(dir, "master.m3u8")).ShouldBeTrue();
        Directory.GetFiles(Path.Combine(dir, "v240p"), "init*.mp4").ShouldHaveSingleItem();
        (await File.ReadAllTextAsync(Path.Combine(dir, "v120p", "index.m3u8"), TestContext.Current.CancellationToken)).ShouldContain("#EXT-X-MAP:URI=\"init");
        Directory.GetFiles(Path.Combine(dir, "v120p"), "*.m4s").Length.ShouldBe(2);
    }

    [Fact]
    public async Task Variants_named_as_in_the_originals_documentation_name_their_renditions()
    {
        var done = await PackageAsync("""
            {"input":"/storage/input/short.mp4","output":"/storage/output/named-pack/","type":"hls","segment_duration":1,
             "variants":[{"resolution":"1920x1080","bitrate":"5000k","name":"1080p"},{"resolution":"240p","bitrate":"300k","name":"small"},{"resolution":"120p","bitrate":"150k","name":"tiny-1"}]}
            """);
        var streaming = done["streaming"]!;
        streaming["dropped"]!.AsArray().Select(d => d!.GetValue<string>()).ShouldBe(["1080p"]);
        streaming["variants"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ShouldBe(["small", "tiny-1"]);
        var dir = Path.Combine(_server.StorageRoot, "output", "named-pack");
        var master = await File.ReadAllTextAsync(Path.Combine(dir, "master.m3u8"), TestContext.Current.CancellationToken);
        master.ShouldContain("vsmall/index.m3u8");
        master.ShouldContain("vtiny-1/index.m3u8");
        (await TestMedia.ProbeAsync(Path.Combine(dir, "vsmall", "seg_00000.ts"))).FirstVideo!.Height.ShouldBe(240);
    }

    [Fact]
    public async Task Dash_manifest_lists_video_renditions_and_an_audio_set()
    {
        var done = await PackageAsync("""{"input":"/storage/input/short.mp4","type":"dash","segment_duration":1,"variants":[{"resolution":"240p"},{"resolution":"160x120"}]}""");
        var manifest = _server.Physical(done["output"]!["path"]!.GetValue<string>());
        Path.GetFileName(manifest).ShouldBe("manifest.mpd");
        var mpd = XDocument.Load(manifest);
        var representations = mpd.Descendants().Where(e => e.Name.LocalName == "Representation").ToList();
        representations.Select(r => (string?)r.Attribute("width")).Where(w => w is not null).ShouldBe(["320", "160"]);
        representations.Count(r => ((string?)r.Attribute("mimeType") ?? (string?)r.Parent!.Attribute("mimeType") ?? string.Empty).StartsWith("audio", StringComparison.Ordinal) || (string?)r.Attribute("audioSamplingRate") is not null).ShouldBe(1);

        var dir = Path.GetDirectoryName(manifest)!;
        var joined = Path.Combine(dir, "..", "dash-check.mp4");
        await File.WriteAllBytesAsync(joined, [.. await File.ReadAllBytesAsync(Path.Combine(dir, "init-0.m4s"), TestContext.Current.CancellationToken), .. await File.ReadAllBytesAsync(Path.Combine(dir, "chunk-0-00001.m4s"), TestContext.Current.CancellationToken)], TestContext.Current.CancellationToken);
        var probe = await TestMedia.ProbeAsync(joined);
        probe.FirstVideo!.CodecName.ShouldBe("h264");
        probe.FirstVideo.Width.ShouldBe(320);
    }

    [Fact]
    public async Task A_thumbnails_track_adds_sprites_and_a_storyboard_to_the_package()
    {
        var done = await PackageAsync("""{"input":"/storage/input/ten.mp4","variants":[{"resolution":"240p"}],"segment_duration":2,"thumbnails":{"interval":2,"width":80}}""");
        var vtt = done["streaming"]!["thumbnails_vtt"]!.GetValue<string>();
        vtt.ShouldEndWith("/thumbnails/storyboard.vtt");
        var lines = await File.ReadAllLinesAsync(_server.Physical(vtt), TestContext.Current.CancellationToken);
        lines[0].ShouldBe("WEBVTT");
        lines.Count(l => l.Contains("-->", StringComparison.Ordinal)).ShouldBe(5);
        lines.ShouldContain("sprite_0001.jpg#xywh=160,0,80,44");
        (await TestMedia.ImageAsync(Path.Combine(Path.GetDirectoryName(_server.Physical(vtt))!, "sprite_0001.jpg"))).ShouldBe(("mjpeg", 400, 220));
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/short.mp4","thumbnails":{"interval":0}}""", "thumbnails.interval")]
    [InlineData("""{"input":"/storage/input/short.mp4","thumbnails":"yes"}""", "thumbnails")]
    [InlineData("""{"input":"/storage/input/short.mp4","type":"smooth"}""", "type")]
    [InlineData("""{"input":"/storage/input/short.mp4","type":"dash","segment_type":"ts"}""", "segment_type")]
    [InlineData("""{"input":"/storage/input/short.mp4","type":"hls","output":"/storage/output/x.mpd"}""", "output")]
    [InlineData("""{"input":"/storage/input/short.mp4","output":"/storage/input/"}""", "output")]
    [InlineData("""{"input":"/storage/input/short.mp4","variants":[{"resolution":"big"}]}""", "variants[0].resolution")]
    [InlineData("""{"input":"/storage/input/short.mp4","variants":[{"resolution":"720p","bitrate":"fast"}]}""", "variants[0].bitrate")]
    [InlineData("""{"input":"/storage/input/short.mp4","variants":[]}""", "variants")]
    [InlineData("""{"input":"/storage/input/short.mp4","variants":[{"resolution":"240p","name":"a b"}]}""", "variants[0].name")]
    [InlineData("""{"input":"/storage/input/short.mp4","variants":[{"resolution":"240p","name":"x"},{"resolution":"120p","name":"x"}]}""", "variants[1].name")]
    [InlineData("""{"input":"/storage/input/short.mp4","segment_duration":0}""", "segment_duration")]
    [InlineData("""{"input":"/storage/input/missing.mp4"}""", "input")]
    public async Task Bad_stream_bodies_name_the_field(string body, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/stream", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }
}
