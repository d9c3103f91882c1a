using System.Runtime.CompilerServices;
using FfmpegApi.Media.Capabilities;

namespace FfmpegApi.Media.Tests;

public sealed class DemuxerPolicyTests
{
    [Fact]
    public void Allowed_is_the_build_minus_the_deny_list_and_devices_sorted_and_distinct()
    {
        DemuxerPolicy.Allowed(["nut", "hls", "mov", "mp4", "mov", "alsa", "mydevice", "concat", "dv"], ["alsa", "mydevice"])
            .ShouldBe(["dv", "mov", "mp4", "nut"]);
        DemuxerPolicy.Allowed([], []).ShouldBeEmpty();
    }

    [Fact]
    public void Reasons_name_the_deny_list_entry_or_a_device_for_any_alias()
    {
        DemuxerPolicy.Reason("hls", []).ShouldContain("playlist");
        DemuxerPolicy.Reason("video4linux2,v4l2", []).ShouldContain("capture device");
        DemuxerPolicy.Reason("newgrab", ["newgrab"]).ShouldContain("capture device");
        DemuxerPolicy.Reason("nut", []).ShouldContain("not among this server's input formats");
    }

    [Fact]
    public void The_whitelist_refusal_line_names_the_detected_demuxer()
    {
        string[] stderr = ["[hls @ 0x55ce0e98b280] Format not on whitelist 'mov,mp4'", "file:a.m3u8: Invalid argument"];
        InputRefusal.Demuxer(stderr).ShouldBe("hls");
        InputRefusal.Demuxer(["[video4linux2,v4l2 @ 0x1] Format not on whitelist 'x'"]).ShouldBe("video4linux2,v4l2");
        InputRefusal.Demuxer(["file:a.mp4: Invalid data found when processing input"]).ShouldBeNull();
        InputRefusal.Find(stderr, [])!.ShouldStartWith("is in the format 'hls', which inputs may not use: a playlist");
        InputRefusal.Explain("Input", InputRefusal.Find(stderr, [])).ShouldStartWith("Input is in the format 'hls'");
        InputRefusal.Explain("Input", "Invalid data found").ShouldBe("Input is not a readable media file: Invalid data found");
        InputRefusal.Explain("Input", null).ShouldBe("Input is not a readable media file: unknown error");
    }

    [Fact]
    public void Capabilities_whitelist_falls_back_to_self_contained_containers_when_the_build_is_unknown()
    {
        FfmpegCapabilities.Empty.InputFormatWhitelist.ShouldBe(DemuxerPolicy.Fallback);
        new FfmpegCapabilities("x", [], [], [], [], [], ["nut", "hls", "alsa"], ["alsa"]).InputFormatWhitelist.ShouldBe("nut");
    }

    [Fact]
    public void Docs_give_the_reason_for_every_denied_demuxer()
    {
        var doc = File.ReadAllText(Doc());
        foreach (var (name, reason) in DemuxerPolicy.Denied)
        {
            doc.ShouldContain($"| `{name}` | {reason} |", customMessage: $"docs/media.md has no row for {name}");
        }
    }

    private static string Doc([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "docs", "media.md"));
}
