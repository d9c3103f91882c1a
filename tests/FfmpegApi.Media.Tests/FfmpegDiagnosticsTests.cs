using FfmpegApi.Media.Process;

namespace FfmpegApi.Media.Tests;

/// <summary>Failure causes read from stderr as ffmpeg 5.1 prints them (lines copied from real runs).</summary>
public sealed class FfmpegDiagnosticsTests
{
    [Fact]
    public void The_reason_is_the_error_lines_before_conversion_failed_without_addresses()
    {
        string[] stderr =
        [
            "Input #0, matroska,webm, from 'file:/data/work/j/in.mka':",
            "  Stream #0:0: Audio: ac3, 48000 Hz, 5.1(side), fltp, 448 kb/s",
            "Stream mapping:",
            "  Stream #0:0 -> #0:0 (ac3 (native) -> opus (libopus))",
            "[libopus @ 0x55faf52d6040] Invalid channel layout 5.1(side) for specified mapping family -1.",
            "Error initializing output stream 0:0 -- Error while opening encoder for output stream #0:0 - maybe incorrect parameters such as bit_rate, rate, width or height",
            "Conversion failed!",
        ];
        var diagnosis = FfmpegDiagnostics.Diagnose(stderr, 1);
        diagnosis.Code.ShouldBe("FFMPEG_FAILED");
        diagnosis.Transient.ShouldBeFalse();
        diagnosis.Reason.ShouldStartWith("[libopus] Invalid channel layout 5.1(side) for specified mapping family -1. / Error initializing output stream 0:0");
        diagnosis.Reason.ShouldNotContain("0x55");
        diagnosis.Reason.ShouldNotContain("Conversion failed!");
    }

    [Fact]
    public void Known_causes_get_their_codes()
    {
        FfmpegDiagnostics.Diagnose(
            ["[mp4 @ 0x561f14bfe740] Could not find tag for codec pcm_s16le in stream #1, codec not currently supported in container", "Could not write header for output file #0 (incorrect codec parameters ?): Invalid argument", "Conversion failed!"], 1)
            .ShouldSatisfyAllConditions(
                d => d.Code.ShouldBe(FfmpegDiagnostics.UnsupportedCodecForContainer),
                d => d.Reason.ShouldStartWith("the output container cannot hold pcm_s16le (stream #1): [mp4] Could not find tag"));
        FfmpegDiagnostics.Diagnose(["Output file #0 does not contain any stream"], 1).Code.ShouldBe(FfmpegDiagnostics.NoMatchingStream);
        FfmpegDiagnostics.Diagnose(["Stream map '0:V:0' matches no streams.", "To ignore this, add a trailing '?' to the map."], 1).Code.ShouldBe(FfmpegDiagnostics.NoMatchingStream);
        var decode = FfmpegDiagnostics.Diagnose(["[h264 @ 0x1] Invalid NAL unit size (1183 > 20).", "[h264 @ 0x1] Error splitting the input into NAL units.", "Error while decoding stream #0:0: Invalid data found when processing input", "Conversion failed!"], 1, 12.34);
        decode.Code.ShouldBe(FfmpegDiagnostics.DecodeError);
        decode.Reason.ShouldStartWith("the input could not be decoded (stream #0:0 at 00:00:12.340): [h264] Invalid NAL unit size");
        var full = FfmpegDiagnostics.Diagnose(["[mp4 @ 0x2] Error writing trailer: No space left on device", "Conversion failed!"], 1);
        full.Code.ShouldBe(FfmpegDiagnostics.DiskFull);
        full.Transient.ShouldBeTrue();
    }

    [Fact]
    public void Without_error_lines_the_last_line_or_the_exit_code_is_the_reason_and_long_reasons_are_bounded()
    {
        FfmpegDiagnostics.Diagnose(["  Stream #0:0: Video: h264", "something odd happened", "Conversion failed!"], 1).Reason.ShouldBe("something odd happened");
        FfmpegDiagnostics.Diagnose([], 234).Reason.ShouldBe("exit code 234");
        FfmpegDiagnostics.Diagnose([new string('x', 1000) + " error"], 1).Reason.Length.ShouldBe(FfmpegDiagnostics.MaxReasonLength);
        FfmpegDiagnostics.Diagnose(["a error", "b error", "a error", "c error", "d error"], 1).Reason.ShouldBe("b error / c error / d error");
    }
}
