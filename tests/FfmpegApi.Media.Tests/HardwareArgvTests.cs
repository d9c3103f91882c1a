using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Hardware;
using FfmpegApi.Media.Probe;
using FfmpegApi.Media.Specs;

namespace FfmpegApi.Media.Tests;

/// <summary>
/// Golden argv per vendor and pipeline shape: full device pipeline, mixed (download before a filter without a device
/// form, upload before a VAAPI/QSV encoder), decode-only (H100/H200: NVDEC, no NVENC) and encode-only.
/// </summary>
public sealed class HardwareArgvTests
{
    private static readonly MediaInfo H264 = FfprobeParser.Parse(TestFiles.Read("ffprobe/h264-aac.json"))!;

    private static readonly HardwareDevice Nvidia = new(HardwareVendor.Nvidia, 0, "0")
    {
        Decoders = ["h264", "hevc", "av1", "vp9"],
        Encoders = ["h264_nvenc", "hevc_nvenc", "av1_nvenc"],
        Scale = true,
        Deinterlace = true,
    };

    /// <summary>A data-centre GPU: NVDEC and CUDA filters, no NVENC.</summary>
    private static readonly HardwareDevice H200 = Nvidia with { Index = 1, Node = "1", Encoders = [] };

    private static readonly HardwareDevice Intel = new(HardwareVendor.Intel, 0, "/dev/dri/renderD128")
    {
        Decoders = ["h264", "hevc"],
        Encoders = ["h264_qsv", "hevc_qsv"],
        Scale = true,
        Deinterlace = true,
    };

    private static readonly HardwareDevice Vaapi = new(HardwareVendor.Vaapi, 1, "/dev/dri/renderD129")
    {
        Decoders = ["h264", "hevc"],
        Encoders = ["h264_vaapi", "hevc_vaapi"],
        Scale = true,
    };

    private static ConvertSpec Spec(string codec = "h264", IReadOnlyList<OperationSpec>? operations = null, string? preset = null, int? crf = null) =>
        new("/storage/input/in.mp4", new OutputSpec("/storage/output/o.mp4", "mp4", new VideoSpec(codec, preset, crf, Width: 1280, Height: 720), new AudioSpec("aac")), operations ?? []);

    private static JobPlan Plan(ConvertSpec spec, HardwareDevice? device, MediaInfo? input = null) =>
        JobPlanner.Plan(spec, input ?? H264, new PlanContext("/data/in.mp4", "/data/work/output.mp4", _ => true) { Hardware = device });

    private static IReadOnlyList<string> Argv(ConvertSpec spec, HardwareDevice? device, MediaInfo? input = null) => Plan(spec, device, input).Passes[^1].Arguments();

    [Fact]
    public void Nvidia_full_pipeline_decodes_scales_and_encodes_on_the_gpu() =>
        TestFiles.AssertGolden("hw-nvidia-full", Argv(Spec(preset: "fast", crf: 24), Nvidia));

    [Fact]
    public void Nvidia_mixed_pipeline_downloads_before_drawtext_and_nvenc_reads_system_memory() =>
        TestFiles.AssertGolden("hw-nvidia-mixed", Argv(Spec("h265", [new DeinterlaceOperation(), new TextOperation("hi", OverlayPosition.TopLeft, 24, "white", false, 10, null, null)]), Nvidia));

    [Fact]
    public void H200_without_nvenc_decodes_and_scales_on_the_gpu_and_encodes_in_software()
    {
        var plan = Plan(Spec(), H200);
        plan.Hardware!.Decode.ShouldBeTrue();
        TestFiles.AssertGolden("hw-nvidia-decode-only", plan.Passes[^1].Arguments());
    }

    [Fact]
    public void Nvidia_encode_only_when_the_input_codec_has_no_decoder_on_the_device()
    {
        var mpeg4 = H264 with { Streams = [.. H264.Streams.Select(s => s.CodecType == "video" ? s with { CodecName = "mpeg4" } : s)] };
        var plan = Plan(Spec(), Nvidia, mpeg4);
        plan.Hardware!.Decode.ShouldBeFalse();
        TestFiles.AssertGolden("hw-nvidia-encode-only", plan.Passes[^1].Arguments());
    }

    [Fact]
    public void Intel_full_pipeline_uses_qsv_decoder_scale_qsv_and_icq() =>
        TestFiles.AssertGolden("hw-intel-full", Argv(Spec("h265", preset: "slow"), Intel));

    [Fact]
    public void Intel_mixed_pipeline_uploads_again_before_the_qsv_encoder() =>
        TestFiles.AssertGolden("hw-intel-mixed", Argv(Spec(operations: [new GrayscaleOperation()]), Intel));

    [Fact]
    public void Vaapi_full_pipeline_on_the_second_render_node() =>
        TestFiles.AssertGolden("hw-vaapi-full", Argv(Spec(crf: 26), Vaapi));

    [Fact]
    public void Vaapi_mixed_pipeline_with_bitrate_uses_vbr() =>
        TestFiles.AssertGolden("hw-vaapi-mixed", Argv(Spec(operations: [new SharpenOperation(1.0)]) with { Output = Spec().Output with { Video = new VideoSpec("h264", Bitrate: "3M") } }, Vaapi));

    [Fact]
    public void Ten_bit_input_downloads_as_p010()
    {
        var tenBit = H264 with { Streams = [.. H264.Streams.Select(s => s.CodecType == "video" ? s with { CodecName = "hevc", PixelFormat = "yuv420p10le" } : s)] };
        Argv(Spec("vp9"), Nvidia, tenBit).ShouldContain("scale_cuda=w='min(1280,iw)':h='min(720,ih)':force_original_aspect_ratio=decrease:force_divisible_by=2:interp_algo=lanczos,hwdownload,format=p010le");
    }

    [Fact]
    public void Two_pass_keeps_the_software_encoder_but_decodes_on_the_device()
    {
        var spec = Spec() with { Output = Spec().Output with { Video = new VideoSpec("h264", Bitrate: "2M") { TwoPass = true } } };
        var plan = Plan(spec, Nvidia);
        plan.Passes.Count.ShouldBe(2);
        foreach (var pass in plan.Passes)
        {
            var args = pass.Arguments();
            args.ShouldContain("libx264");
            args.ShouldNotContain("h264_nvenc");
            args.ShouldContain("-hwaccel");
        }
    }

    [Fact]
    public void Several_outputs_share_the_device_decode_and_each_downloads_only_if_it_needs_to()
    {
        var spec = Spec() with { ExtraOutputs = [new OutputSpec("/storage/output/o.webm", "webm", new VideoSpec("vp9"), new AudioSpec("opus"))] };
        var plan = JobPlanner.Plan(spec, H264, new PlanContext("/data/in.mp4", "/data/work/output.mp4", _ => true) { Hardware = Nvidia, ExtraOutputFiles = ["/data/work/output1.webm"] });
        TestFiles.AssertGolden("hw-nvidia-two-outputs", plan.Passes[^1].Arguments());
    }

    [Fact]
    public void Nothing_on_the_device_means_no_hardware_use()
    {
        // Stream copy, an audio-only output, or overlays with a codec the device cannot encode: software plan, no device options.
        Plan(Spec("copy") with { Operations = [] }, Nvidia).Hardware.ShouldBeNull();
        Plan(new ConvertSpec("/in.mp4", new OutputSpec("/o.mp3", "mp3", null, new AudioSpec("mp3")), []), Nvidia).Hardware.ShouldBeNull();
        var watermarked = Plan(Spec("vp9", [new WatermarkOperation("/storage/logo.png", OverlayPosition.TopRight, 10, 1, null)]), Nvidia);
        watermarked.Hardware.ShouldBeNull();
        watermarked.Passes[^1].Arguments().ShouldNotContain("-hwaccel");
        Plan(Spec(), null).Hardware.ShouldBeNull();
    }

    [Fact]
    public void A_watermark_decodes_in_software_but_still_encodes_on_the_device()
    {
        var plan = Plan(Spec(operations: [new WatermarkOperation("/storage/logo.png", OverlayPosition.TopRight, 10, 1, null)]), Nvidia);
        plan.Hardware!.Decode.ShouldBeFalse();
        var args = plan.Passes[^1].Arguments();
        args.ShouldNotContain("-hwaccel");
        args.ShouldContain("h264_nvenc");
        args[args.ToList().IndexOf("-gpu") + 1].ShouldBe("0");
    }

    [Theory]
    [InlineData("ultrafast", "p1")]
    [InlineData("veryfast", "p3")]
    [InlineData("medium", "p5")]
    [InlineData(null, "p5")]
    [InlineData("veryslow", "p7")]
    public void Nvenc_presets_map_onto_p1_to_p7(string? preset, string expected)
    {
        var args = new VideoEncoderStep("h264_nvenc", preset, 20).OutputArguments.ToList();
        args[args.IndexOf("-preset") + 1].ShouldBe(expected);
        args[args.IndexOf("-cq") + 1].ShouldBe("20");
        args.ShouldNotContain("-pix_fmt");
    }

    [Fact]
    public void Hardware_encoders_keep_vbv_caps_and_hevc_gets_the_apple_tag()
    {
        var qsv = new VideoEncoderStep("hevc_qsv", "ultrafast", 22, 4_000_000).OutputArguments.ToList();
        qsv.ShouldBe(["-c:v", "hevc_qsv", "-preset", "veryfast", "-global_quality", "22", "-maxrate", "4000k", "-bufsize", "8000k", "-tag:v", "hvc1"]);
        var vaapi = new VideoEncoderStep("h264_vaapi", null, null, 2_000_000) { Tune = "film" }.OutputArguments.ToList();
        vaapi.ShouldBe(["-c:v", "h264_vaapi", "-rc_mode", "VBR", "-b:v", "2000k"]);
    }
}
