using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FfmpegApi.Core.Processing;
using FfmpegApi.Media.Capabilities;
using FfmpegApi.Media.Commands;
using FfmpegApi.Media.Process;
using FfmpegApi.Media.Specs;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Outputs are what the installed ffmpeg writes. For every container of the catalog, every codec the build's trial
/// accepted is encoded by the job planner's own argv from a one-second sample and read back by ffprobe with that
/// codec; every codec it did not accept is refused at submit with 422 naming the allowed ones; the defaults run as
/// real jobs; and the named professional combinations (MXF, DNxHR, FFV1, ProRes, ALAC, PCM depths) are checked in detail.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class OutputFormatTests(ServerFixture fixture)
{
    private static readonly SemaphoreSlim Making = new(1, 1);
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    /// <summary>The original service's output list plus what broadcast, archive and web delivery ask for (issue #25).</summary>
    private static readonly string[] Floor = ["mp4", "avi", "mov", "mkv", "webm", "flv", "m4v", "ts", "mpg", "mxf", "3gp", "ogv", "wmv", "asf", "m2ts", "mka", "aiff", "ac3", "nut"];

    public static TheoryData<string> Containers() => [.. FormatCatalog.Containers.Keys];

    [Fact]
    public async Task The_build_writes_the_floor_and_capabilities_list_exactly_what_the_trial_found()
    {
        var caps = await _server.Service<FfmpegTools>().GetCapabilitiesAsync();
        caps.Outputs.ShouldNotBeNull("the trial ran");
        foreach (var name in Floor)
        {
            var container = FormatCatalog.FindContainer(name).ShouldNotBeNull(name);
            (caps.VideoCodecs(container).Count + caps.AudioCodecs(container).Count).ShouldBeGreaterThan(0, name);
        }

        foreach (var codec in (string[])["ffv1", "dnxhd", "mpeg2", "vp8", "theora", "mjpeg", "h264", "h265", "prores"])
        {
            FormatCatalog.Containers.Values.ShouldContain(c => caps.VideoCodecs(c).Contains(codec), codec);
        }

        foreach (var codec in (string[])["ac3", "eac3", "alac", "mp2", "pcm", "pcm_s24", "pcm_f32", "aac", "opus", "flac"])
        {
            FormatCatalog.Containers.Values.ShouldContain(c => caps.AudioCodecs(c).Contains(codec), codec);
        }

        var mxf = FormatCatalog.Containers["mxf"];
        caps.VideoCodecs(mxf).ShouldContain("mpeg2");
        caps.VideoCodecs(mxf).ShouldContain("dnxhd");
        caps.AudioCodecs(mxf).ShouldContain("pcm_s24");
        caps.VideoCodecs(FormatCatalog.Containers["webm"]).ShouldNotContain("h264");
        caps.AudioCodecs(FormatCatalog.Containers["mp4"]).ShouldNotContain("pcm", "ffmpeg 5.1 writes no PCM in MP4");

        var body = await _client.GetFromJsonAsync<JsonNode>(new Uri("/api/v1/capabilities", UriKind.Relative));
        var output = body!["formats"]!["output"]!;
        output["tried"]!.GetValue<bool>().ShouldBeTrue();
        var formats = output["formats"]!.AsArray().ToDictionary(f => f!["name"]!.GetValue<string>(), f => f!);
        output["containers"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldBe(formats.Keys);
        foreach (var (name, view) in formats)
        {
            var container = FormatCatalog.Containers[name];
            Strings(view["video_codecs"]).ShouldBe(caps.VideoCodecs(container), name);
            Strings(view["audio_codecs"]).ShouldBe(caps.AudioCodecs(container), name);
            if (container.DefaultVideoCodec is { } v)
            {
                Strings(view["video_codecs"]).ShouldContain(v, $"{name}: the default video codec is one the build writes");
            }

            if (container.DefaultAudioCodec is { } a)
            {
                Strings(view["audio_codecs"]).ShouldContain(a, $"{name}: the default audio codec is one the build writes");
            }
        }

        formats["mxf"]["audio_alone"]!.GetValue<bool>().ShouldBeFalse("MXF needs exactly one video stream, first");
        formats["mp4"]["audio_alone"]!.GetValue<bool>().ShouldBeTrue();
        formats["wmv"]["aliases"]!.AsArray().Select(n => n!.GetValue<string>()).ShouldContain("asf");
        var codecs = output["codecs"]!.AsArray().ToDictionary(c => c!["name"]!.GetValue<string>(), c => c!);
        Strings(codecs["pcm_s24"]["encoders"]).ShouldBe(["pcm_s24le", "pcm_s24be"]);
        Strings(codecs["dnxhd"]["aliases"]).ShouldContain("dnxhr");
    }

    /// <summary>
    /// Every codec the trial accepted for the container: the planner's argv for a job asking for it runs on a one-second
    /// sample and ffprobe reads the codec back (the container's default for the other stream), with the duration.
    /// </summary>
    [Theory]
    [MemberData(nameof(Containers))]
    public async Task Every_codec_the_build_accepts_is_written_by_the_job_argv_and_reads_back(string name)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "media behaviour does not depend on the database: the SQLite pass runs it");
        var caps = await _server.Service<FfmpegTools>().GetCapabilitiesAsync();
        var container = FormatCatalog.Containers[name];
        var input = _server.Physical(await SampleAsync());
        var sample = await TestMedia.ProbeAsync(input);
        var dir = Path.Combine(_server.DataDir, "pairs", name);
        Directory.CreateDirectory(dir);
        var pairs = caps.VideoCodecs(container).Where(c => c != "copy").Select(c => (Video: true, Codec: c))
            .Concat(caps.AudioCodecs(container).Where(c => c != "copy").Select(c => (Video: false, Codec: c)))
            .ToList();
        pairs.ShouldNotBeEmpty();
        using var gate = new SemaphoreSlim(2);
        var failures = await Task.WhenAll(pairs.Select(async pair =>
        {
            await gate.WaitAsync();
            try
            {
                return await RunPairAsync(caps, container, input, sample, dir, pair.Video, pair.Codec);
            }
            finally
            {
                gate.Release();
            }
        }));
        failures.Where(f => f is not null).ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public async Task Every_codec_the_build_does_not_accept_is_refused_at_submit_naming_the_allowed_ones(string name)
    {
        var caps = await _server.Service<FfmpegTools>().GetCapabilitiesAsync();
        var container = FormatCatalog.Containers[name];
        var video = caps.VideoCodecs(container);
        var audio = caps.AudioCodecs(container);
        foreach (var codec in FormatCatalog.VideoEncoders.Keys.Where(c => !video.Contains(c) && FormatCatalog.VideoEncoders[c].Any(caps.HasEncoder)))
        {
            var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/short.mp4", output = new { format = name, video = new { codec } } }));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, $"{name} + {codec}");
            problem!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["output.video.codec"], $"{name} + {codec}");
            problem["errors"]!["output.video.codec"]![0]!.GetValue<string>().ShouldContain(container.IsAudioOnly ? "holds audio only" : $"cannot be stored in '{name}'. Allowed: {string.Join(", ", video)}");
        }

        foreach (var codec in FormatCatalog.AudioEncoders.Keys.Where(c => !audio.Contains(c) && FormatCatalog.AudioEncoders[c].Any(caps.HasEncoder)))
        {
            var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/short.mp4", output = new { format = name, audio = new { codec } } }));
            status.ShouldBe(HttpStatusCode.UnprocessableEntity, $"{name} + {codec}");
            problem!["errors"]!.AsObject().Select(e => e.Key).ShouldContain("output.audio.codec", $"{name} + {codec}");
        }
    }

    /// <summary>Each container with its defaults, as a real job: what a user gets asking only for the format.</summary>
    [Theory]
    [MemberData(nameof(Containers))]
    public async Task A_job_asking_only_for_the_format_gets_the_container_s_default_codecs(string name)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "media behaviour does not depend on the database: the SQLite pass runs it");
        var caps = await _server.Service<FfmpegTools>().GetCapabilitiesAsync();
        var container = FormatCatalog.Containers[name];
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(JobClient.Json(new { input = await SampleAsync(), output = new { path = $"/storage/output/defaults/out.{container.Extension}" } })), 120);
        done["status"]!.GetValue<string>().ShouldBe("completed", $"{name}: {done["error"]?.ToJsonString()}");
        var file = _server.Physical(done["output"]!["path"]!.GetValue<string>());
        if (container.Name == "webp")
        {
            // ffmpeg 5.1 cannot read animated WebP back; the file is a RIFF WEBP with animation frames.
            var head = File.ReadAllBytes(file)[..16];
            System.Text.Encoding.ASCII.GetString(head, 8, 8).ShouldBe("WEBPVP8X");
            return;
        }

        var probe = await TestMedia.ProbeAsync(file);
        if (container.DefaultVideoCodec is { } video)
        {
            probe.FirstVideo.ShouldNotBeNull(name).CodecName.ShouldBe(OutputTrial.CodecOf(caps, caps.EncoderFor(name, video)!));
        }

        if (container.DefaultAudioCodec is { } audio)
        {
            probe.FirstAudio.ShouldNotBeNull(name).CodecName.ShouldBe(OutputTrial.CodecOf(caps, caps.EncoderFor(name, audio)!));
        }

        // The job's facts (ffmpeg's own description of what it wrote, not an ffprobe read-back) are ffprobe's.
        var metadata = done["output"]!["metadata"]!;
        metadata["container"]!.GetValue<string>().ShouldBe(probe.FormatName, name);
        (metadata["video_codec"]?.GetValue<string>()).ShouldBe(probe.FirstVideo?.CodecName, name);
        (metadata["audio_codec"]?.GetValue<string>()).ShouldBe(probe.FirstAudio?.CodecName, name);
        (metadata["width"]?.GetValue<int>()).ShouldBe(probe.FirstVideo?.Width, name);
        (metadata["height"]?.GetValue<int>()).ShouldBe(probe.FirstVideo?.Height, name);
        (metadata["frame_rate"]?.GetValue<double>()).ShouldBe(probe.FirstVideo?.FrameRate, name);
        (metadata["sample_rate"]?.GetValue<int>()).ShouldBe(probe.FirstAudio?.SampleRate, name);
        (metadata["channels"]?.GetValue<int>()).ShouldBe(probe.FirstAudio?.Channels, name);
        metadata["duration_seconds"]!.GetValue<double>().ShouldBe(probe.DurationSeconds!.Value, 0.05, name);
    }

    [Fact]
    public async Task Broadcast_and_archive_deliveries_come_out_as_asked()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "media behaviour does not depend on the database: the SQLite pass runs it");
        var input = await SampleAsync(rate: 44100);

        // MXF: MPEG-2 with 24-bit PCM; the 44.1 kHz input is resampled to the 48 kHz MXF carries.
        var mxf = await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/mpeg2.mxf", video = new { codec = "mpeg2", bitrate = "50M", pixel_format = "yuv422p", profile = "422" }, audio = new { codec = "pcm_s24le" } } });
        (mxf.FirstVideo!.CodecName, mxf.FirstVideo.PixelFormat, mxf.FirstAudio!.CodecName, mxf.FirstAudio.SampleRate).ShouldBe(("mpeg2video", "yuv422p", "pcm_s24le", 48000));

        // MXF with DNxHR HQX (10-bit 4:2:2), the profile named without its prefix.
        var dnx = await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/dnxhr.mxf", video = new { codec = "dnxhr", profile = "hqx" } } });
        (dnx.FirstVideo!.CodecName, dnx.FirstVideo.PixelFormat).ShouldBe(("dnxhd", "yuv422p10le"));
        (await TestMedia.StreamFieldAsync(_server.Physical("/storage/output/pro/dnxhr.mxf"), "profile")).ShouldBe("DNXHR HQX");

        // FFV1 version 3 in Matkroska, with FLAC.
        var ffv1 = await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/archive.mkv", video = new { codec = "ffv1" }, audio = new { codec = "flac" } } });
        (ffv1.FirstVideo!.CodecName, ffv1.FirstAudio!.CodecName).ShouldBe(("ffv1", "flac"));

        // ProRes HQ in MOV with big-endian 24-bit PCM (MOV takes either; the planner keeps the first the build lists).
        var prores = await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/master.mov", video = new { codec = "prores", profile = "hq" }, audio = new { codec = "pcm_s24" } } });
        (prores.FirstVideo!.CodecName, prores.FirstAudio!.CodecName).ShouldBe(("prores", "pcm_s24le"));

        // AIFF is big-endian PCM; WAV 32-bit float; ALAC in M4A; 5.1 AC-3 from the 7.1 input is downmixed to what AC-3 carries.
        (await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/a.aiff", audio = new { codec = "pcm_s24" } } })).FirstAudio!.CodecName.ShouldBe("pcm_s24be");
        (await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/f.wav", audio = new { codec = "pcm_f32le" } } })).FirstAudio!.CodecName.ShouldBe("pcm_f32le");
        (await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/l.m4a", audio = new { codec = "alac" } } })).FirstAudio!.CodecName.ShouldBe("alac");
        var surround = await ProbeJobAsync(new { input = await SampleAsync(layout: "7.1"), output = new { path = "/storage/output/pro/s.ac3" } });
        (surround.FirstAudio!.CodecName, surround.FirstAudio.Channels).ShouldBe(("ac3", 6));

        // m2ts: MPEG-TS in 192-byte packets (a 4-byte timecode before each 188-byte packet).
        await ProbeJobAsync(new { input, output = new { path = "/storage/output/pro/disc.m2ts" } });
        var m2ts = await File.ReadAllBytesAsync(_server.Physical("/storage/output/pro/disc.m2ts"));
        (m2ts.Length % 192, m2ts[4], m2ts[196]).ShouldBe((0, (byte)0x47, (byte)0x47));
    }

    [Fact]
    public async Task Container_rules_the_build_reports_are_refused_at_submit()
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/short.mp4", output = new { format = "mxf", video = new { codec = "none" } } }));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["output.video"]![0]!.GetValue<string>().ShouldContain("'mxf' needs a video stream");

        (status, problem) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/short.mp4", output = new { format = "mxf", audio = new { codec = "pcm_s24", sample_rate = 44100 } } }));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["output.audio.sample_rate"]![0]!.GetValue<string>().ShouldContain("48000 Hz only");

        (status, problem) = await _client.PostJsonAsync("/api/v1/convert", JobClient.Json(new { input = "/storage/input/short.mp4", output = new { format = "mov", video = new { codec = "dnxhd", profile = "dnxhd" } } }));
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!.AsObject().Select(e => e.Key).ShouldBe(["output.video.profile"]);
    }

    [Fact]
    public async Task The_trial_s_answer_is_kept_on_disk_by_binary_and_release_and_read_at_the_next_start()
    {
        var caps = await _server.Service<FfmpegTools>().GetCapabilitiesAsync();
        var dir = Directory.CreateTempSubdirectory("trial-cache-").FullName;
        try
        {
            var answer = (await OutputTrialRunner.GetAsync("ffmpeg", caps, dir)).ShouldNotBeNull();
            var file = OutputTrialRunner.CacheFile("ffmpeg", caps, dir).ShouldNotBeNull();
            var kept = JsonSerializer.Deserialize<OutputSupport>(await File.ReadAllTextAsync(file)).ShouldNotBeNull();
            kept.Containers.Keys.ShouldBe(answer.Containers.Keys);
            kept.Containers["mxf"].Encoders.ShouldBe(answer.Containers["mxf"].Encoders);
            kept.Containers["mxf"].AudioAlone.ShouldBe(answer.Containers["mxf"].AudioAlone);

            // Another binary (a copy: another path) has its own file; an answer found there is used without a trial.
            var copy = Path.Combine(dir, "ffmpeg-copy");
            File.Copy(ChildLauncher.Resolve("ffmpeg").ShouldNotBeNull(), copy);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var other = OutputTrialRunner.CacheFile(copy, caps, dir).ShouldNotBeNull();
            other.ShouldNotBe(file);
            await File.WriteAllTextAsync(other, JsonSerializer.Serialize(new OutputSupport(new Dictionary<string, ContainerSupport> { ["mp4"] = new(["libx264"], true) })));
            (await OutputTrialRunner.GetAsync(copy, caps, dir)).ShouldNotBeNull().Containers.Keys.ShouldBe(["mp4"]);
            OutputTrialRunner.CacheFile("ffmpeg", caps, null).ShouldBeNull();
            (await OutputTrialRunner.GetAsync("ffmpeg", caps, "/dev/null/cache")).ShouldNotBeNull("a cache folder that cannot be written costs nothing but the cache");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private async Task<FfmpegApi.Media.Probe.MediaInfo> ProbeJobAsync(object body)
    {
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(JobClient.Json(body)), 120);
        done["status"]!.GetValue<string>().ShouldBe("completed", done["error"]?.ToJsonString());
        return await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
    }

    /// <summary>One pair through the planner's argv; null when the output reads back as asked, else what went wrong.</summary>
    private static async Task<string?> RunPairAsync(FfmpegCapabilities caps, ContainerFormat container, string input, FfmpegApi.Media.Probe.MediaInfo sample, string dir, bool video, string codec)
    {
        var file = Path.Combine(dir, $"{(video ? "v" : "a")}-{codec}.{container.Extension}");
        var spec = new ConvertSpec("/storage/input/x", new OutputSpec("/storage/output/x", container.Name,
            video ? new VideoSpec(codec) : container.DefaultVideoCodec is { } v ? new VideoSpec(v) : null,
            !video ? new AudioSpec(codec) : container.DefaultAudioCodec is { } a ? new AudioSpec(a) : null), []);
        var plan = JobPlanner.Plan(spec, sample, new PlanContext(input, file, caps.HasEncoder) { EncoderFor = caps.EncoderFor });
        var run = await FfmpegProcess.CaptureAsync("ffmpeg", plan.Passes[^1].Arguments(caps.InputFormatWhitelist), TimeSpan.FromSeconds(120), CancellationToken.None);
        if (!run.Succeeded)
        {
            return $"{container.Name} + {codec}: ffmpeg failed: {string.Join(" | ", run.StderrTail.TakeLast(4))}";
        }

        if (container.Name == "webp")
        {
            return new FileInfo(file).Length > 0 ? null : "webp: empty";
        }

        var (read, error) = await TestMedia.TryProbeAsync(file);
        if (read is not { } probe)
        {
            return $"{container.Name} + {codec}: ffprobe cannot read it: {error}";
        }

        var stream = video ? probe.FirstVideo : probe.FirstAudio;
        var expected = OutputTrial.CodecOf(caps, caps.EncoderFor(container.Name, codec)!);
        if (stream?.CodecName != expected)
        {
            return $"{container.Name} + {codec}: read back as {stream?.CodecName ?? "nothing"}, expected {expected}";
        }

        var seconds = probe.DurationSeconds ?? stream.DurationSeconds;
        return container.Image || seconds is >= 0.8 and <= 1.3 ? null : string.Create(CultureInfo.InvariantCulture, $"{container.Name} + {codec}: lasts {seconds} s");
    }

    /// <summary>A one-second 320x240 sample with a stereo (or <paramref name="layout"/>) tone at <paramref name="rate"/> Hz, made once.</summary>
    private async Task<string> SampleAsync(int rate = 48000, string layout = "stereo")
    {
        var file = $"outputs-{rate}-{layout.Replace('.', '_')}.mkv";
        var path = Path.Combine(_server.StorageRoot, "input", file);
        await Making.WaitAsync();
        try
        {
            if (!File.Exists(path))
            {
                await TestMedia.FfmpegAsync("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=1", "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate={rate}:duration=1",
                    "-af", $"aformat=channel_layouts={layout}", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "flac", path + ".part.mkv");
                File.Move(path + ".part.mkv", path);
            }
        }
        finally
        {
            Making.Release();
        }

        return $"/storage/input/{file}";
    }

    private static List<string> Strings(JsonNode? node) => [.. node!.AsArray().Select(n => n!.GetValue<string>())];
}
