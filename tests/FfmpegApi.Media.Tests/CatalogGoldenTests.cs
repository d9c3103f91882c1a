using System.Globalization;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Commands.Filtergraph;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>
/// The format catalog and the per-encoder option mapping are contracts: which codec may go in which container, and
/// exactly which flags each encoder gets for each preset and rate-control choice. Golden files make every change a
/// reviewed diff.
/// </summary>
public sealed class CatalogGoldenTests
{
    private static readonly string?[] Presets = [null, "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "0", "5", "13", "14", "-1", "99"];

    [Fact]
    public void Container_table()
    {
        var lines = FormatCatalog.Containers.Values.Select(c =>
            $"{c.Name} muxer={c.Muxer} ext={c.Extension} audio_only={c.IsAudioOnly} image={c.Image} default_video={c.DefaultVideoCodec ?? "-"} default_audio={c.DefaultAudioCodec ?? "-"} options=[{string.Join(' ', c.MuxerOptions)}] sample_rate={Show(c.AudioSampleRate)}");
        TestFiles.AssertGolden("catalog-containers", [.. lines]);
    }

    [Fact]
    public void Codec_and_container_names()
    {
        string[] names = ["h264", "H264", "avc", "x264", "libx264", "h265", "hevc", "x265", "libx265", "vp9", "libvpx-vp9", "av1", "libsvtav1", "libaom-av1",
            "mpeg4", "prores", "prores_ks", "copy", "aac", "opus", "libopus", "mp3", "libmp3lame", "flac", "vorbis", "libvorbis", "pcm", "pcm_s16le", "wmv", " h264 ",
            "mpeg2", "mpeg2video", "dnxhd", "dnxhr", "ffv1", "vp8", "libvpx", "theora", "mjpeg", "flv", "ac3", "eac3", "e-ac-3", "alac", "mp2", "libtwolame", "wma",
            "pcm_s24", "pcm_s24le", "pcm_s24be", "pcm_s32le", "pcm_f32", "pcm_f32be"];
        var lines = names.Select(n => $"'{n}' video={FormatCatalog.NormalizeVideoCodec(n) ?? "-"} audio={FormatCatalog.NormalizeAudioCodec(n) ?? "-"}").ToList();
        string[] containers = ["mp4", ".MP4", "matroska", "mpegts", "m2ts", "mts", "oga", "m4v", "mkv", "webm", "gif", "mpeg", "asf", "aif", "mxf", "nut", "weba"];
        lines.AddRange(containers.Select(n => $"container '{n}' -> {FormatCatalog.FindContainer(n)?.Name ?? "-"}"));
        lines.AddRange(FormatCatalog.VideoEncoders.Select(e => $"video {e.Key} -> {string.Join(',', e.Value)}"));
        lines.AddRange(FormatCatalog.AudioEncoders.Select(e => $"audio {e.Key} -> {string.Join(',', e.Value)}"));
        lines.AddRange(FormatCatalog.AudioSampleRates.Select(e => $"sample rates {e.Key}: {string.Join(',', e.Value)}"));
        string[] resolutions = ["4k", "2160p", "1440p", "1080p", "720p", "480p", "360p", "240p", "8192x8192", "8193x10", "2x2", "1x2", " 640x360 "];
        lines.AddRange(resolutions.Select(r => Resolution.TryParse(r, out var w, out var h) ? $"resolution '{r}' = {w}x{h}" : $"resolution '{r}' invalid"));
        TestFiles.AssertGolden("catalog-names", lines);
    }

    [Fact]
    public void Video_encoder_options()
    {
        string[] encoders = ["libx264", "libx265", "libvpx-vp9", "libsvtav1", "libaom-av1", "prores_ks", "mpeg4", "copy", "mpeg2video", "dnxhd", "ffv1", "libvpx", "libtheora", "mjpeg", "wmv2", "flv"];
        (int? Crf, long? Bitrate)[] qualities = [(null, null), (20, null), (null, 2_000_000), (20, 2_500_000), (null, 1_234_567)];
        var lines = new List<string>();
        foreach (var encoder in encoders)
        {
            foreach (var preset in Presets)
            {
                foreach (var (crf, bitrate) in qualities)
                {
                    var step = new VideoEncoderStep(encoder, preset, crf, bitrate);
                    lines.Add($"{encoder} preset={preset ?? "-"} crf={Show(crf)} bitrate={Show(bitrate)} => {string.Join(' ', step.OutputArguments)}");
                }
            }
        }

        lines.AddRange(EncoderOptions.Profiles["dnxhd"].Select(p => $"dnxhd profile={p} => {string.Join(' ', new VideoEncoderStep("dnxhd") { Profile = p }.OutputArguments)}"));
        lines.Add($"ffv1 gop=25 => {string.Join(' ', new VideoEncoderStep("ffv1") { Gop = 25 }.OutputArguments)}");
        lines.Add($"mpeg2video profile=422 pix=yuv422p => {string.Join(' ', new VideoEncoderStep("mpeg2video", null, null, 50_000_000) { Profile = "422", PixelFormat = "yuv422p" }.OutputArguments)}");
        TestFiles.AssertGolden("encoder-video-options", lines);
    }

    [Fact]
    public void Audio_encoder_options()
    {
        string[] encoders = ["aac", "libopus", "libmp3lame", "libvorbis", "flac", "pcm_s16le", "copy", "ac3", "eac3", "alac", "mp2", "wmav2", "pcm_s24be", "pcm_f32le"];
        (long? Bitrate, int? Channels, int? Rate)[] settings = [(null, null, null), (96_000, 2, 48_000), (128_500, 1, null), (null, null, 44_100)];
        var lines = encoders.SelectMany(e => settings.Select(s =>
            $"{e} bitrate={Show(s.Bitrate)} channels={Show(s.Channels)} rate={Show(s.Rate)} => {string.Join(' ', new AudioEncoderStep(e, s.Bitrate, s.Channels, s.Rate).OutputArguments)}")).ToList();
        TestFiles.AssertGolden("encoder-audio-options", lines);
    }

    [Fact]
    public void Simple_steps()
    {
        List<string> lines =
        [
            "trim(0,5) in: " + string.Join(' ', new TrimStep(0, 5).InputArguments) + " out: " + string.Join(' ', new TrimStep(0, 5).OutputArguments),
            "trim(2.5,null) in: " + string.Join(' ', new TrimStep(2.5, null).InputArguments) + " out: " + string.Join(' ', new TrimStep(2.5, null).OutputArguments),
            "trim(0.0004,1.23456) in: " + string.Join(' ', new TrimStep(0.0004, 1.23456).InputArguments) + " out: " + string.Join(' ', new TrimStep(0.0004, 1.23456).OutputArguments),
            "scale: " + new FitScaleStep(1280, null, ScaleFit.Contain, true).Filter,
            "fps: " + string.Join(' ', new FrameRateStep(29.97).OutputArguments),
            "map(v,a): " + string.Join(' ', new StreamMapStep(true, true).OutputArguments),
            "map(v): " + string.Join(' ', new StreamMapStep(true, false).OutputArguments),
            "map(a): " + string.Join(' ', new StreamMapStep(false, true).OutputArguments),
        ];
        lines.AddRange(new[] { "mp4", "mov", "ipod", "matroska", "webm", "mpegts", "mp3" }.Select(m => $"muxer {m}: {string.Join(' ', new MuxerStep(m).OutputArguments)}"));
        lines.Add($"muxer mpegts (m2ts): {string.Join(' ', new MuxerStep("mpegts") { Options = FormatCatalog.Containers["m2ts"].MuxerOptions }.OutputArguments)}");
        lines.Add("command file: prefix kept: " + string.Join(' ', FfmpegCommand.For("file:/a b.mp4", "/out.mp4").ToArguments()));
        TestFiles.AssertGolden("steps", lines);
    }

    private static string Show(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string Show(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
