using System.Text.Json.Nodes;

namespace FfmpegApi.Endpoints.Presets;

/// <summary>A named starting point for a job: an <c>output</c> object and operations, in the wire format.</summary>
public sealed record NamedPreset(string Name, string Description, JsonObject Output, JsonArray Operations);

/// <summary>
/// Built-in presets. They are written in the request's own JSON so what <c>GET /presets</c> shows is exactly what
/// a client could post, and applying one is a merge: the job's fields win, the preset's operations run last.
/// </summary>
public static class PresetCatalog
{
    public static IReadOnlyList<NamedPreset> All { get; } =
    [
        Preset(
            "web-1080p",
            "H.264/AAC MP4 up to 1920x1080 for browsers: CRF 21 capped at 6 Mbit/s, keyframe every 2 s, fast start.",
            """{"format":"mp4","video":{"codec":"h264","preset":"medium","crf":21,"resolution":"1920x1080","profile":"high","max_bitrate":"6M","buffer_size":"12M","keyframe_interval":2},"audio":{"codec":"aac","bitrate":"160k","channels":2}}"""),
        Preset(
            "web-720p",
            "H.264/AAC MP4 up to 1280x720: CRF 22 capped at 3.5 Mbit/s, keyframe every 2 s.",
            """{"format":"mp4","video":{"codec":"h264","preset":"medium","crf":22,"resolution":"1280x720","profile":"high","max_bitrate":"3500k","buffer_size":"7M","keyframe_interval":2},"audio":{"codec":"aac","bitrate":"128k","channels":2}}"""),
        Preset(
            "mobile-480p",
            "H.264 Main 3.1/AAC MP4 up to 854x480 for old and low-end phones, capped at 1.2 Mbit/s.",
            """{"format":"mp4","video":{"codec":"h264","preset":"fast","crf":24,"resolution":"854x480","profile":"main","level":"3.1","max_bitrate":"1200k","buffer_size":"2400k"},"audio":{"codec":"aac","bitrate":"96k","channels":2}}"""),
        Preset(
            "webm-720p",
            "VP9/Opus WebM up to 1280x720, constant quality (CRF 33), stereo.",
            """{"format":"webm","video":{"codec":"vp9","preset":"medium","crf":33,"resolution":"1280x720"},"audio":{"codec":"opus","bitrate":"96k","channels":2}}"""),
        Preset(
            "archive-hevc",
            "Visually lossless H.265 Main 10 in Matroska (CRF 18, slow preset) with lossless FLAC audio, for keeping masters small.",
            """{"format":"mkv","video":{"codec":"h265","preset":"slow","crf":18,"profile":"main10","pixel_format":"yuv420p10le"},"audio":{"codec":"flac"}}"""),
        Preset(
            "podcast-mp3",
            "Mono 96 kbit/s MP3 at 44.1 kHz, loudness-normalised to -16 LUFS (two-pass EBU R128).",
            """{"format":"mp3","audio":{"codec":"mp3","bitrate":"96k","channels":1,"sample_rate":44100}}""",
            """[{"type":"normalize","target_lufs":-16,"true_peak":-1.5}]"""),
        Preset(
            "social-square",
            "1080x1080 H.264/AAC MP4 for social feeds: the picture is scaled to fill the square and the overflow cropped.",
            """{"format":"mp4","video":{"codec":"h264","preset":"medium","crf":23,"max_bitrate":"5M","buffer_size":"10M"},"audio":{"codec":"aac","bitrate":"128k","channels":2}}""",
            """[{"type":"scale","width":1080,"height":1080,"fit":"cover","allow_upscale":true}]"""),
    ];

    public static NamedPreset? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The request with the preset applied: output fields (and video/audio members) the job gives win over the
    /// preset's; the preset's operations run after the job's own. <c>output.preset</c> is consumed.
    /// </summary>
    public static JsonObject Apply(JsonObject request, NamedPreset preset)
    {
        var merged = (JsonObject)request.DeepClone();
        var output = merged["output"] as JsonObject ?? [];
        var result = (JsonObject)preset.Output.DeepClone();
        foreach (var (key, value) in output)
        {
            if (key == "preset")
            {
                continue;
            }

            if (value is JsonObject own && result[key] is JsonObject defaults)
            {
                foreach (var (member, memberValue) in own)
                {
                    defaults[member] = memberValue?.DeepClone();
                }
            }
            else
            {
                result[key] = value?.DeepClone();
            }
        }

        merged["output"] = result;
        if (preset.Operations.Count > 0)
        {
            var operations = merged["operations"] as JsonArray ?? [];
            merged["operations"] = new JsonArray([.. operations.Select(o => o?.DeepClone()), .. preset.Operations.Select(o => o?.DeepClone())]);
        }

        return merged;
    }

    private static NamedPreset Preset(string name, string description, string output, string operations = "[]") =>
        new(name, description, (JsonObject)JsonNode.Parse(output)!, (JsonArray)JsonNode.Parse(operations)!);
}
