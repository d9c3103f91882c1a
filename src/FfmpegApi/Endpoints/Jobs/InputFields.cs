using System.Text.Json;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>Members of an <c>input</c> object beyond its path and credentials.</summary>
internal static class InputFields
{
    /// <summary><c>input.audio_track</c> (convert and stream): which audio stream to use, from 0 (checked against the probe at run time).</summary>
    public static int? AudioTrack(JsonElement body, JsonFields fields) =>
        body.TryGetProperty("input", out var input) && input.ValueKind == JsonValueKind.Object && input.TryGetProperty("audio_track", out _)
            ? fields.Int(input, "audio_track", "input", InvalidInput, 0, 63)
            : null;
}
