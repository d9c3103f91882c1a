using System.Runtime.CompilerServices;
using System.Text;
using FfmpegApi.Core.Configuration;
using FfmpegApi.Core.Processing;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Specs;
using Microsoft.Extensions.Options;

namespace FfmpegApi.Tests;

/// <summary>
/// docs/conformance.md is rendered from the tables the matrix tests assert (InputFormatTests.SampleList,
/// EdgeCaseMatrixTests' cases and refusals), so the document cannot claim a cell the tests do not hold. After a
/// deliberate change: <c>UPDATE_SNAPSHOTS=1 dotnet test --project tests/FfmpegApi.Tests --filter-class "*ConformanceDocTests"</c>.
/// </summary>
public sealed class ConformanceDocTests
{
    [Fact]
    public async Task The_committed_conformance_table_is_what_the_matrix_tests_assert()
    {
        var actual = Render(await new FfmpegTools(Options.Create(new FfmpegOptions())).GetCapabilitiesAsync());
        var path = Doc();
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }

        File.ReadAllText(path).ReplaceLineEndings("\n").ShouldBe(actual, "docs/conformance.md differs from the matrix: run with UPDATE_SNAPSHOTS=1 and commit it");
    }

    internal static string Render(FfmpegCapabilities caps)
    {
        var text = new StringBuilder();
        text.Append("""
            # Conformance

            Generated from the tables that the matrix tests assert. Do not edit by hand: run
            `UPDATE_SNAPSHOTS=1 dotnet test --project tests/FfmpegApi.Tests --filter-class "*ConformanceDocTests"`. Every
            sample is made by the installed ffmpeg: 1 s of 320x240 test picture with a 48 kHz tone, or close to it.
            [media.md](media.md) explains the behaviour.

            ## Input formats × convert

            Each sample is converted by a real job: to MP4 (H.264/AAC) when it has video, to M4A (AAC) when it is audio
            only. The test is `InputFormatTests.A_format_users_bring_converts_to_mp4_or_m4a`. The output is checked with
            ffprobe: codecs, and the duration against the sample's.

            | format | sample | made with | result |
            |---|---|---|---|

            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        foreach (var (format, file, encode, video) in InputFormatTests.SampleList)
        {
            text.Append($"| {format} | `{file}` | `{encode}` | completes ({(video ? "MP4" : "M4A")}) |\n");
        }

        text.Append($"""

            Inputs refused by format are listed in [media.md](media.md#refused-demuxers-and-why). Each is refused with
            `INVALID_INPUT`, which names the format.

            ## Edge cases × job kinds

            {EdgeCaseMatrixTests.Behaviour.Count} cases × {EdgeCaseMatrixTests.Kinds.Length} kinds = {EdgeCaseMatrixTests.Behaviour.Count * EdgeCaseMatrixTests.Kinds.Length} jobs
            (`EdgeCaseMatrixTests`). The kinds are: convert to MP4, DASH with a 144p rung, one PNG thumbnail at 0.5 s, and
            PSNR analysis of the input against itself. "completes" means the job completed and its output passed the
            ffprobe checks: upright, even sides, the first audio track only, no subtitle, data or attachment streams, and
            the duration.

            | case | what it is, and what the service does | {string.Join(" | ", EdgeCaseMatrixTests.Kinds)} |
            |---|---|{string.Concat(EdgeCaseMatrixTests.Kinds.Select(_ => "---|"))}

            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        foreach (var (name, behaviour) in EdgeCaseMatrixTests.Behaviour)
        {
            var cells = EdgeCaseMatrixTests.Kinds.Select(kind => EdgeCaseMatrixTests.Refused.TryGetValue((name, kind), out var r) ? $"refused: `{r.Code}` \"…{r.Message}…\"" : "completes");
            text.Append($"| {name} | {behaviour} | {string.Join(" | ", cells)} |\n");
        }

        text.Append($$"""

            A zero-byte input, or one that is not a regular file, is refused at submit with 422 `INVALID_INPUT`.

            ## Output formats

            What this build (ffmpeg {{caps.Version}}) writes into each container, as its start-up trial found it
            ([media.md](media.md#output-formats)). Every codec listed is written by the planner's own command from a
            one-second sample and read back by ffprobe with that codec and length
            (`OutputFormatTests.Every_codec_the_build_accepts_is_written_by_the_job_argv_and_reads_back`); every other
            codec is refused at submit with 422 `CODEC_MISMATCH`, which lists these; each container's defaults also run
            as a real job. "audio alone": whether the container may hold audio without video.

            | container | muxer | video codecs | audio codecs | audio alone | defaults |
            |---|---|---|---|---|---|

            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        foreach (var c in FormatCatalog.Containers.Values)
        {
            static string List(IReadOnlyList<string> codecs) => codecs.Count == 0 ? "–" : string.Join(", ", codecs.Where(x => x != "copy"));
            var alone = c.IsAudioOnly || c.Image ? "–" : caps.Outputs?.AudioAlone(c) == true ? "yes" : "no";
            var defaults = string.Join(" + ", new[] { c.DefaultVideoCodec, c.DefaultAudioCodec }.Where(d => d is not null));
            text.Append($"| {c.Name}{string.Concat(FormatCatalog.AliasesOf(c.Name).Select(a => $" ({a})"))} | {c.Muxer} | {List(caps.VideoCodecs(c))} | {List(caps.AudioCodecs(c))} | {alone} | {defaults} |\n");
        }

        text.Append("""

            `copy` (the input's stream unchanged) is accepted by every container but gif and webp; whether the input's
            codec fits is ffmpeg's answer at run time (`UNSUPPORTED_CODEC_FOR_CONTAINER`).

            """.Replace("\r", string.Empty, StringComparison.Ordinal));
        return text.ToString();
    }

    private static string Doc([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "docs", "conformance.md"));
}
