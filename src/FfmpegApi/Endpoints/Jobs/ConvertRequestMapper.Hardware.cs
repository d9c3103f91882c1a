using System.Text.Json;
using FfmpegApi.Media.Hardware;
using static FfmpegApi.Errors.ErrorCodes;

namespace FfmpegApi.Endpoints.Jobs;

/// <summary>The options only conversions take: hardware acceleration.</summary>
public sealed partial class ConvertRequestMapper
{
    /// <summary>
    /// <c>options.hardware_acceleration</c>: auto (default), none, nvidia, intel, vaapi (cuda/qsv accepted as aliases),
    /// and <c>hardware_device</c> with a named vendor. A vendor no worker of the cluster offers is refused here with the reason.
    /// </summary>
    private HardwareRequest? MapHardware(JsonElement options, JsonFields fields)
    {
        var text = fields.String(options, "hardware_acceleration", "options", InvalidRequest);
        var device = fields.Int(options, "hardware_device", "options", InvalidRequest, 0, 15);
        if (text is null && device is null)
        {
            return null;
        }

        HardwareMode? mode = text?.Trim().ToLowerInvariant() switch
        {
            null or "auto" => HardwareMode.Auto,
            "none" or "software" => HardwareMode.None,
            "nvidia" or "cuda" or "nvenc" => HardwareMode.Nvidia,
            "intel" or "qsv" => HardwareMode.Intel,
            "vaapi" => HardwareMode.Vaapi,
            _ => null,
        };
        if (mode is null)
        {
            fields.Errors.Add("options.hardware_acceleration", $"Must be one of: {string.Join(", ", HardwareModes)}.", InvalidRequest, text, HardwareModes);
            return null;
        }

        var request = new HardwareRequest(mode.Value, device);
        if (device is not null && request.Vendor is null)
        {
            fields.Errors.Add("options.hardware_device", "A device index needs hardware_acceleration set to nvidia, intel or vaapi.", InvalidRequest);
            return null;
        }

        if (request.Vendor is { } vendor && (HardwareProblem is null ? "this server does not schedule hardware jobs" : HardwareProblem(vendor)) is { } problem)
        {
            fields.Errors.Add("options.hardware_acceleration", $"'{text}' cannot run here: {problem}. Use 'auto' to take hardware when a worker has it.", InsufficientResources, text, HardwareModes);
            return null;
        }

        return request;
    }
}
