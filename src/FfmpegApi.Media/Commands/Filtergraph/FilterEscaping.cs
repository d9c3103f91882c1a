using System.Globalization;
using System.Text;

namespace FfmpegApi.Media.Commands.Filtergraph;

/// <summary>
/// ffmpeg parses a filter's arguments twice: the graph parser splits on <c>[],;</c> and unquotes, then the filter
/// splits its options on <c>:</c>/<c>=</c> and unquotes again (https://ffmpeg.org/ffmpeg-filters.html#Notes-on-filtergraph-escaping).
/// A user's text therefore needs both levels, or <c>', [0:v] …</c> in a caption would become graph syntax.
/// </summary>
public static class FilterEscaping
{
    /// <summary>Level 1: one option value, single-quoted; a quote inside closes, is escaped, and reopens.</summary>
    public static string OptionValue(string value) => "'" + value.Replace("'", @"'\''", StringComparison.Ordinal) + "'";

    /// <summary>Level 2: a filter's whole argument string, made inert for the graph parser.</summary>
    public static string ForGraph(string arguments)
    {
        var builder = new StringBuilder(arguments.Length + 8);
        foreach (var c in arguments)
        {
            if (c is '\\' or '\'' or '[' or ']' or ',' or ';')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary>A filter with a user-supplied value, escaped at both levels.</summary>
    public static string UserValue(string value) => ForGraph(OptionValue(value));

    /// <summary>A number as ffmpeg reads it (invariant culture, no exponent, at most 4 decimals).</summary>
    public static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
