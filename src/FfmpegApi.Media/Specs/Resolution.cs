using System.Globalization;

namespace FfmpegApi.Media.Specs;

/// <summary>Parses the resolutions clients write: "1280x720", "1280:720", "720p", "4k".</summary>
public static class Resolution
{
    public const int MaxSide = 8192;

    // Stryker disable all : a static table, pinned by TestData/golden/catalog-*.args; Stryker cannot activate mutants in static initializers
    private static readonly Dictionary<string, (int Width, int Height)> Named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["4k"] = (3840, 2160),
        ["2160p"] = (3840, 2160),
        ["1440p"] = (2560, 1440),
        ["1080p"] = (1920, 1080),
        ["720p"] = (1280, 720),
        ["480p"] = (854, 480),
        ["360p"] = (640, 360),
        ["240p"] = (426, 240),
        ["144p"] = (256, 144),
        ["8k"] = (7680, 4320),
    };

    // Stryker restore all
    public static bool TryParse(string? text, out int width, out int height)
    {
        width = height = 0;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var value = text.Trim();
        if (Named.TryGetValue(value, out var named))
        {
            (width, height) = named;
            return true;
        }

        // Any other "Np" (180p, 540p, 576p, 1200p…): N lines at 16:9.
        if (value.Length > 1 && value[^1] is 'p' or 'P' && int.TryParse(value[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var lines) && IsValidSide(lines))
        {
            height = lines;
            width = Math.Max(2, (int)Math.Round(lines * 16 / 9.0 / 2) * 2);
            return IsValidSide(width);
        }

        var parts = value.Split('x', ':', 'X');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out width)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out height)
            && IsValidSide(width) && IsValidSide(height);
    }

    public static bool IsValidSide(int side) => side is >= 2 and <= MaxSide;
}
