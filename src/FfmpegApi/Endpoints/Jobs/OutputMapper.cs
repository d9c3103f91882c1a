using System.Text.Json;
using FfmpegApi.Core.Storage;
using FfmpegApi.Core.Storage.Blobs;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>
/// Maps <c>output</c> (a format, a path, or an object) to an <see cref="OutputSpec"/>: container, path inside a
/// mount (derived as <c>/storage/output/{job_id}.{ext}</c> when not given), and codecs checked against the
/// container and against the encoders this ffmpeg actually has.
/// </summary>
internal sealed partial class OutputMapper(StorageMounts mounts, FfmpegCapabilities capabilities, JsonFields fields, string root = "output", BlobStores? blobs = null)
{
    /// <summary>Where this output sits in the request, for error field names (<c>output</c> or <c>outputs[1]</c>).</summary>
    private string Root => root;

    private static readonly string[] OutputFields = ["path", "format", "video", "audio", "preset", "credentials"];

    /// <summary>Seals an object output's inline <c>credentials</c> (null: refused).</summary>
    public Core.Storage.Blobs.InlineCredentials? Sealer { get; init; }

    /// <summary>Where sealed credentials are collected (address → sealed).</summary>
    public Dictionary<string, string> Sealed { get; init; } = new(StringComparer.Ordinal);
    private static readonly string[] VideoFields =
    [
        "codec", "preset", "crf", "bitrate", "resolution", "fps", "max_bitrate", "buffer_size", "tune", "profile", "level",
        "pixel_format", "gop", "keyframe_interval", "two_pass", "target_vmaf", "vmaf_measure",
    ];
    private static readonly string[] AudioFields = ["codec", "bitrate", "channels", "sample_rate", "normalize"];
    private static readonly string[] X26xPresets = ["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"];

    private ValidationErrors Errors => fields.Errors;

    public OutputSpec? Map(JsonElement body, string jobId, IReadOnlyList<OperationSpec>? operations)
    {
        if (!body.TryGetProperty("output", out var output) || output.ValueKind == JsonValueKind.Null)
        {
            Errors.Add("output", "Required: a format (\"mp4\"), a path, or an object.", InvalidOutput);
            return null;
        }

        var spec = MapOne(output, jobId, operations);
        if (spec is not null)
        {
            CheckOperationStreams(operations, [spec], fields.Errors);
        }

        return spec;
    }

    /// <summary>Maps one output element (at <c>output</c> or <c>outputs[i]</c>, as given by the constructor's root).</summary>
    public OutputSpec? MapOne(JsonElement output, string defaultName, IReadOnlyList<OperationSpec>? operations)
    {
        string? path = null;
        string? format = null;
        JsonElement? video = null;
        JsonElement? audio = null;
        if (output.ValueKind == JsonValueKind.String)
        {
            var text = output.GetString()!.Trim();
            (path, format) = text.StartsWith('/') ? ((string?)text, (string?)null) : (null, text);
        }
        else if (output.ValueKind == JsonValueKind.Object)
        {
            fields.RejectUnknown(output, Root, InvalidOutput, OutputFields);
            path = fields.String(output, "path", Root, InvalidOutput);
            format = fields.String(output, "format", Root, InvalidOutput);
            video = output.TryGetProperty("video", out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
            audio = output.TryGetProperty("audio", out var a) && a.ValueKind != JsonValueKind.Null ? a : null;
        }
        else
        {
            Errors.Add(Root, "Must be a format string, a path string, or an object.", InvalidOutput);
            return null;
        }

        format ??= path is not null ? Path.GetExtension(path).TrimStart('.') : null;
        if (string.IsNullOrEmpty(format))
        {
            Errors.Add($"{Root}.format", "Required when the path has no extension.", InvalidOutput);
            return null;
        }

        var container = FormatCatalog.FindContainer(format);
        if (container is null)
        {
            Errors.Add($"{Root}.format", $"Unsupported format '{format}'. Supported: {string.Join(", ", FormatCatalog.Containers.Keys)}.", InvalidOutput, format, [.. FormatCatalog.Containers.Keys]);
            return null;
        }

        var resolved = ResolvePath(path ?? $"/{StorageMounts.DefaultMount}/output/{defaultName}.{container.Extension}");
        CredentialFields.Collect(output, Root, resolved is not null && Core.Storage.Blobs.BlobAddress.LooksLikeOne(resolved) ? resolved : null, Sealer, fields, Sealed);
        var videoSpec = MapVideo(video, container, operations);
        var audioSpec = operations?.OfType<RemoveAudioOperation>().Any() == true ? null : MapAudio(audio, container);
        if (videoSpec is null && audioSpec is null && !Errors.Any)
        {
            Errors.Add(Root, "The output would have neither video nor audio.", InvalidOutput);
        }
        else if (videoSpec is null && audioSpec is not null && !Errors.Any && capabilities.Outputs?.AudioAlone(container) == false)
        {
            Errors.Add($"{Root}.video", $"'{container.Name}' needs a video stream (this ffmpeg writes no audio-only {container.Name}); pick an audio format such as wav or m4a.", CodecMismatch);
        }

        return resolved is null || Errors.Any ? null : new OutputSpec(resolved, container.Name, videoSpec, audioSpec);
    }

    private VideoSpec? MapVideo(JsonElement? video, ContainerFormat container, IReadOnlyList<OperationSpec>? operations)
    {
        if (!TryReadCodec(video, $"{Root}.video", VideoFields, out var codecText) || codecText is "none")
        {
            return null;
        }

        if (container.IsAudioOnly)
        {
            if (codecText is not null)
            {
                Errors.Add($"{Root}.video.codec", $"'{container.Name}' holds audio only.", CodecMismatch);
            }

            return null;
        }

        var codec = CheckCodec(codecText ?? container.DefaultVideoCodec!, $"{Root}.video.codec", capabilities.VideoCodecs(container), FormatCatalog.NormalizeVideoCodec, FormatCatalog.VideoEncoders, container);
        if (codec is null || video is not { } el)
        {
            return codec is null ? null : new VideoSpec(codec);
        }

        var preset = fields.String(el, "preset", $"{Root}.video", InvalidOutput);
        if (preset is not null && codec is "h264" or "h265" && Array.IndexOf(X26xPresets, preset) < 0)
        {
            Errors.Add($"{Root}.video.preset", $"Must be one of: {string.Join(", ", X26xPresets)}.", InvalidOutput, preset, X26xPresets);
        }

        var crf = fields.Int(el, "crf", $"{Root}.video", InvalidOutput, 0, codec is "h264" or "h265" ? 51 : 63);
        var bitrate = fields.String(el, "bitrate", $"{Root}.video", InvalidOutput);
        if (bitrate is not null && !Bitrate.TryParse(bitrate, out _))
        {
            Errors.Add($"{Root}.video.bitrate", "Must look like 2500k or 5M (1 kbit/s to 1 Gbit/s).", InvalidOutput);
        }

        int? width = null, height = null;
        var resolution = fields.String(el, "resolution", $"{Root}.video", InvalidOutput);
        if (resolution is not null)
        {
            if (Resolution.TryParse(resolution, out var w, out var h))
            {
                (width, height) = (w, h);
            }
            else
            {
                Errors.Add($"{Root}.video.resolution", "Must look like 1280x720 or 720p.", InvalidOutput);
            }
        }

        var fps = fields.Number(el, "fps", $"{Root}.video", InvalidOutput, 1, 240);
        if (codec == "copy" && (crf ?? width ?? (object?)fps ?? bitrate ?? preset) is not null)
        {
            Errors.Add($"{Root}.video.codec", "'copy' keeps the stream as is; drop crf, bitrate, preset, resolution and fps or pick an encoder.", InvalidOutput);
        }

        var tuning = MapTuning(el, codec, crf, bitrate);
        if (codec == "copy" && tuning != new VideoSpec(codec))
        {
            Errors.Add($"{Root}.video.codec", "'copy' keeps the stream as is; drop the encoder settings or pick an encoder.", InvalidOutput);
        }

        return tuning with { Preset = preset, Crf = crf, Bitrate = bitrate, Width = width, Height = height, Fps = fps };
    }

    /// <summary>VBV, tune/profile/level, pixel format, GOP and two-pass, each checked against what the codec takes.</summary>
    private VideoSpec MapTuning(JsonElement el, string codec, int? crf, string? bitrate)
    {
        var P = $"{Root}.video";
        var maxRate = BitrateField(el, "max_bitrate");
        var bufferSize = BitrateField(el, "buffer_size");
        var tune = Choice(el, "tune", codec, EncoderOptions.Tunes);
        var profileText = fields.String(el, "profile", P, InvalidOutput)?.Trim().ToLowerInvariant();
        if (codec == "prores" && profileText is not null && EncoderOptions.ProresProfileNames.TryGetValue(profileText, out var number))
        {
            profileText = number;
        }
        else if (codec == "dnxhd" && profileText is not null && !profileText.StartsWith("dnxhr_", StringComparison.Ordinal))
        {
            profileText = "dnxhr_" + profileText; // "hq" for "dnxhr_hq"
        }

        var profile = profileText is null ? null : CheckChoice("profile", profileText, codec, EncoderOptions.Profiles);
        var level = fields.String(el, "level", P, InvalidOutput)?.Trim();
        if (level is not null && (codec is not ("h264" or "h265") || !System.Text.RegularExpressions.Regex.IsMatch(level, @"^\d(\.\d)?$", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromSeconds(1))))
        {
            Errors.Add($"{P}.level", "A level applies to h264/h265 and looks like 3.1, 4.0 or 5.1.", InvalidOutput, level);
        }

        var pixelFormat = Choice(el, "pixel_format", codec, EncoderOptions.PixelFormats);
        var gop = fields.Int(el, "gop", P, InvalidOutput, 1, 1000);
        var keyframes = fields.Number(el, "keyframe_interval", P, InvalidOutput, 0.1, 60);
        var twoPass = el.TryGetProperty("two_pass", out var tp) && tp.ValueKind == JsonValueKind.True;
        if (el.TryGetProperty("two_pass", out tp) && tp.ValueKind is not (JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
        {
            Errors.Add($"{P}.two_pass", "Must be true or false.", InvalidOutput);
        }

        if (twoPass && (bitrate is null || crf is not null || !EncoderOptions.TwoPassCodecs.Contains(codec)))
        {
            Errors.Add($"{P}.two_pass", $"Two-pass needs a 'bitrate' target and no 'crf', with one of: {string.Join(", ", EncoderOptions.TwoPassCodecs)}.", InvalidOutput);
        }

        var (target, measure) = MapQualityTarget(el, codec, crf, bitrate, twoPass);
        return new VideoSpec(codec)
        {
            TargetVmaf = target,
            VmafMeasure = measure,
            MaxRate = maxRate,
            BufferSize = bufferSize,
            Tune = tune,
            Profile = profile,
            Level = level,
            PixelFormat = pixelFormat,
            Gop = gop,
            KeyframeSeconds = keyframes,
            TwoPass = twoPass,
        };
    }

    private string? BitrateField(JsonElement el, string name)
    {
        var text = fields.String(el, name, $"{Root}.video", InvalidOutput);
        if (text is not null && !Bitrate.TryParse(text, out _))
        {
            Errors.Add($"{Root}.video.{name}", "Must look like 2500k or 5M (1 kbit/s to 1 Gbit/s).", InvalidOutput);
            return null;
        }

        return text;
    }

    private string? Choice(JsonElement el, string name, string codec, IReadOnlyDictionary<string, string[]> table)
    {
        var text = fields.String(el, name, $"{Root}.video", InvalidOutput)?.Trim().ToLowerInvariant();
        return text is null ? null : CheckChoice(name, text, codec, table);
    }

    private string? CheckChoice(string name, string text, string codec, IReadOnlyDictionary<string, string[]> table)
    {
        if (!table.TryGetValue(codec, out var allowed))
        {
            Errors.Add($"{Root}.video.{name}", $"'{name}' does not apply to '{codec}'. It applies to: {string.Join(", ", table.Keys)}.", InvalidOutput, text);
            return null;
        }

        if (Array.IndexOf(allowed, text) < 0)
        {
            Errors.Add($"{Root}.video.{name}", $"'{codec}' takes {name} one of: {string.Join(", ", allowed)}.", InvalidOutput, text, allowed);
            return null;
        }

        return text;
    }

    /// <summary>
    /// Operations on a stream no output has, or on a stream an output copies, cannot run. (With several outputs an
    /// operation applies to those that carry its stream.)
    /// </summary>
    public static void CheckOperationStreams(IReadOnlyList<OperationSpec>? operations, IReadOnlyList<OutputSpec> outputs, ValidationErrors errors)
    {
        for (var i = 0; i < (operations?.Count ?? 0); i++)
        {
            var operation = operations![i];
            var name = OperationStreams.WireName(operation);
            var path = $"operations[{i}]";
            var changesTime = operation is SpeedOperation or FadeOperation or ConcatOperation;
            if (operation is SubtitlesOperation { Mode: SubtitleMode.Soft })
            {
                // A track is muxed, not drawn: copy is fine, but the container must carry it and only one output may.
                if (outputs.Count > 1)
                {
                    errors.Add(path, "A subtitle track needs a job with one output.", InvalidOperation);
                }
                else if (outputs[0].Video is not null && !FormatCatalog.SoftSubtitleCodecs.ContainsKey(outputs[0].Format))
                {
                    errors.Add(path, $"'{outputs[0].Format}' cannot carry a subtitle track (use mp4, mov, mkv or webm), or use mode 'burn'.", InvalidOperation);
                }
                else if (outputs[0].Video is null)
                {
                    errors.Add(path, $"'{name}' works on video, and this output has none.", InvalidOperation);
                }

                continue;
            }

            if (OperationStreams.NeedsVideo(operation) && outputs.All(o => o.Video is null))
            {
                errors.Add(path, $"'{name}' works on video, and {(outputs.Count == 1 ? "this output has" : "the outputs have")} none.", InvalidOperation);
            }
            else if (OperationStreams.NeedsAudio(operation) && outputs.All(o => o.Audio is null))
            {
                errors.Add(path, $"'{name}' works on audio, and {(outputs.Count == 1 ? "this output has" : "the outputs have")} none.", InvalidOperation);
            }
            else if ((OperationStreams.NeedsVideo(operation) || changesTime) && outputs.Any(o => o.Video?.Codec == "copy"))
            {
                errors.Add(path, $"'{name}' needs re-encoding, so the video codec cannot be 'copy'.", InvalidOperation);
            }
            else if ((OperationStreams.NeedsAudio(operation) || changesTime) && outputs.Any(o => o.Audio?.Codec == "copy"))
            {
                errors.Add(path, $"'{name}' needs re-encoding, so the audio codec cannot be 'copy'.", InvalidOperation);
            }
        }
    }

    private AudioSpec? MapAudio(JsonElement? audio, ContainerFormat container)
    {
        if (Root != "output" && audio is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty("normalize", out _))
        {
            Errors.Add($"{Root}.audio.normalize", "Loudness normalization applies to the whole job: use a 'normalize' operation (or output.audio.normalize with one output).", InvalidOutput);
        }

        if (!TryReadCodec(audio, $"{Root}.audio", AudioFields, out var codecText) || codecText is "none")
        {
            return null;
        }

        if (container.DefaultAudioCodec is null)
        {
            if (codecText is not null)
            {
                Errors.Add($"{Root}.audio.codec", $"'{container.Name}' holds no audio.", CodecMismatch, codecText, []);
            }

            return null;
        }

        var codec = CheckCodec(codecText ?? container.DefaultAudioCodec, $"{Root}.audio.codec", capabilities.AudioCodecs(container), FormatCatalog.NormalizeAudioCodec, FormatCatalog.AudioEncoders, container);
        if (codec is null || audio is not { } el)
        {
            return codec is null ? null : new AudioSpec(codec);
        }

        var bitrate = fields.String(el, "bitrate", $"{Root}.audio", InvalidOutput);
        if (bitrate is not null && !Bitrate.TryParse(bitrate, out _))
        {
            Errors.Add($"{Root}.audio.bitrate", "Must look like 128k (1 kbit/s to 1 Gbit/s).", InvalidOutput);
        }

        var channels = fields.Int(el, "channels", $"{Root}.audio", InvalidOutput, 1, 8);
        var sampleRate = fields.Int(el, "sample_rate", $"{Root}.audio", InvalidOutput, 8000, 192000);
        if (sampleRate is { } rate && FormatCatalog.AudioSampleRates.TryGetValue(codec, out var rates) && !rates.Contains(rate))
        {
            Errors.Add($"{Root}.audio.sample_rate", $"'{codec}' encodes at {string.Join(", ", rates)} Hz.", InvalidOutput);
        }
        else if (sampleRate is { } other && container.AudioSampleRate is { } only && other != only)
        {
            Errors.Add($"{Root}.audio.sample_rate", $"'{container.Name}' holds audio at {only} Hz only.", InvalidOutput);
        }

        return new AudioSpec(codec, bitrate, channels, sampleRate);
    }

    /// <summary>Reads an optional stream object (<c>output.video</c>/<c>output.audio</c>) and its codec text.</summary>
    private bool TryReadCodec(JsonElement? element, string path, string[] allowedFields, out string? codecText)
    {
        codecText = null;
        if (element is not { } el)
        {
            return true;
        }

        if (el.ValueKind != JsonValueKind.Object)
        {
            Errors.Add(path, "Must be an object.", InvalidOutput);
            return false;
        }

        fields.RejectUnknown(el, path, InvalidOutput, allowedFields);
        codecText = fields.String(el, "codec", path, InvalidOutput);
        return true;
    }

    private string? CheckCodec(string text, string field, IReadOnlyList<string> allowed, Func<string, string?> normalize, IReadOnlyDictionary<string, string[]> encoders, ContainerFormat container)
    {
        var codec = normalize(text);
        if (codec is null)
        {
            Errors.Add(field, $"Unknown codec '{text}'. Known: {string.Join(", ", encoders.Keys.Append("copy"))}.", InvalidOutput, text, [.. encoders.Keys.Append("copy")]);
            return null;
        }

        if (codec != "copy" && capabilities.Encoders.Count > 0 && !encoders[codec].Any(capabilities.HasEncoder))
        {
            var available = encoders.Where(e => e.Value.Any(capabilities.HasEncoder)).Select(e => e.Key);
            Errors.Add(field, $"This server's ffmpeg has no encoder for '{codec}'. Available: {string.Join(", ", available)}.", InvalidOutput);
            return null;
        }

        if (!allowed.Contains(codec))
        {
            // The build's own answer (a trial mux and read-back, see docs/media.md), not a hand table.
            Errors.Add(field, $"'{codec}' cannot be stored in '{container.Name}'. Allowed: {string.Join(", ", allowed)}.", CodecMismatch, codec, allowed);
            return null;
        }

        return codec;
    }
}
