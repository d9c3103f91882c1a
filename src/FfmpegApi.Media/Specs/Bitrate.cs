using System.Globalization;
using System.Text.RegularExpressions;

namespace FfmpegApi.Media.Specs;

/// <summary>Bitrates as clients write them ("128k", "2.5M", "800000"), normalized to bits per second.</summary>
public static partial class Bitrate
{
    public const long Max = 1_000_000_000;

    [GeneratedRegex(@"^(?<n>\d+(\.\d+)?)(?<u>[kKmMgG]?)(bps|b)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool TryParse(string? text, out long bitsPerSecond)
    {
        bitsPerSecond = 0;
        var match = Pattern().Match(text?.Trim() ?? string.Empty);
        if (!match.Success)
        {
            return false;
        }

        var n = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        var factor = match.Groups["u"].Value.ToUpperInvariant() switch
        {
            "K" => 1_000d,
            "M" => 1_000_000d,
            "G" => 1_000_000_000d,
            _ => 1d,
        };
        bitsPerSecond = (long)Math.Round(n * factor);
        return bitsPerSecond is >= 1_000 and <= Max;
    }
}
