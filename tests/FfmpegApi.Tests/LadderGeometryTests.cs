using System.Globalization;
using System.Xml.Linq;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Process;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// HLS and DASH ladders from sources of every common shape: each rung, read back from its first segment with ffprobe,
/// has even sides and shows the source's display aspect exactly, so a DASH adaptation set never conflicts.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class LadderGeometryTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    /// <summary>Name, storage size, the filter that gives it its sample aspect, rotation tag, and the aspect as shown.</summary>
    public static TheoryData<string, string, string, int, string> Shapes => new()
    {
        { "wide", "640x360", "setsar=1", 0, "16:9" },
        { "tv", "480x360", "setsar=1", 0, "4:3" },
        { "cinema", "840x360", "setsar=1", 0, "7:3" },
        { "portrait", "360x640", "setsar=1", 0, "9:16" },
        { "anamorphic", "720x576", "setsar=16/15", 0, "4:3" },
        { "rotated", "640x360", "setsar=1", 90, "9:16" },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Dash_and_hls_rungs_from_360p_to_144p_keep_the_display_aspect(string name, string size, string sar, int rotation, string shown)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "ladder geometry does not depend on the database: the SQLite pass runs it");
        var input = await SourceAsync(name, size, sar, rotation);
        var aspect = shown.Split(':').Select(p => long.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        var expected = Ratio.Reduced(aspect[0], aspect[1]);
        foreach (var type in (string[])["dash", "hls"])
        {
            var body = JobClient.Json(new { input, type, segment_duration = 1, variants = new[] { new { resolution = "360p" }, new { resolution = "240p" }, new { resolution = "144p" } } });
            var id = await _client.SubmitToAsync("/api/v1/stream", body);
            var done = await _client.WaitForEndAsync(id, 180);
            done["status"]!.GetValue<string>().ShouldBe("completed", $"{name} {type}: {done.ToJsonString()}");
            var package = Path.GetDirectoryName(_server.Physical(done["output"]!["path"]!.GetValue<string>()))!;
            if (type == "dash")
            {
                var mpd = XDocument.Load(Path.Combine(package, "manifest.mpd"));
                mpd.Descendants().Count(e => e.Name.LocalName == "Representation" && e.Attribute("width") is not null).ShouldBe(3);
            }

            for (var i = 0; i < 3; i++)
            {
                var rung = await FirstSegmentAsync(package, type, i);
                var video = rung.FirstVideo!;
                (video.Width!.Value % 2, video.Height!.Value % 2).ShouldBe((0, 0), $"{name} {type} rung {i}");
                Math.Min(video.Width.Value, video.Height.Value).ShouldBe(new[] { 360, 240, 144 }[i], $"{name} {type} rung {i}");
                video.DisplayAspect.ShouldBe(expected, $"{name} {type} rung {i}: {video.Width}x{video.Height} at {video.SampleAspectRatio}");
            }
        }
    }

    private async Task<string> SourceAsync(string name, string size, string sar, int rotation)
    {
        var path = Path.Combine(_server.StorageRoot, "input", "shapes", name + ".mp4");
        await TestMedia.FfmpegAsync("-f", "lavfi", "-i", $"testsrc2=size={size}:rate=25:duration=1", "-f", "lavfi", "-i", "sine=duration=1", "-vf", sar, "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest", path + ".tmp.mp4");
        await TestMedia.RotatedCopyAsync(path + ".tmp.mp4", path, rotation);
        File.Delete(path + ".tmp.mp4");
        (await TestMedia.ProbeAsync(path)).FirstVideo!.Rotation.ShouldBe(rotation);
        return $"/storage/input/shapes/{name}.mp4";
    }

    /// <summary>The first segment of rung <paramref name="index"/>, probed (DASH: its init segment joined to it).</summary>
    private static async Task<MediaInfo> FirstSegmentAsync(string package, string type, int index)
    {
        if (type == "hls")
        {
            return await TestMedia.ProbeAsync(Path.Combine(package, $"v{new[] { 360, 240, 144 }[index]}p", "seg_00000.ts"));
        }

        var joined = Path.Combine(package, $"check-{index}.mp4");
        await File.WriteAllBytesAsync(joined, [.. await File.ReadAllBytesAsync(Path.Combine(package, $"init-{index}.m4s")), .. await File.ReadAllBytesAsync(Path.Combine(package, $"chunk-{index}-00001.m4s"))]);
        var probe = await TestMedia.ProbeAsync(joined);
        File.Delete(joined);
        return probe;
    }
}
