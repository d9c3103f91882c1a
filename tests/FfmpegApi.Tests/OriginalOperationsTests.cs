using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// The original API's operation shapes (its validator, TestData/original/validators.py, and its documentation): a
/// <c>filter</c> by name for every name the validator allows (read from the file), <c>transcode</c> flat and in
/// <c>params</c>, any operation's fields in <c>params</c>, and a watermark's <c>watermark_path</c>; jobs checked with ffprobe.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class OriginalOperationsTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    private const string MediaOnly = "request shapes and media do not depend on the database: the SQLite pass runs them";

    [GeneratedRegex(@"allowed_filters = \{(?<names>[^}]*)\}")]
    private static partial Regex AllowedFilters();

    /// <summary>Each filter name of the original's validator, with the params its documentation-style body would give.</summary>
    public static TheoryData<string> FilterNames()
    {
        var source = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "original", "validators.py"));
        var names = Regex.Matches(AllowedFilters().Match(source).Groups["names"].Value, "\"(?<n>\\w+)\"").Select(m => m.Groups["n"].Value).ToList();
        names.Count.ShouldBeGreaterThanOrEqualTo(10);
        return [.. names];
    }

    /// <summary>A value for the one-value filters that need one (the rest run on their defaults).</summary>
    private static readonly Dictionary<string, string> Params = new(StringComparer.Ordinal)
    {
        ["brightness"] = """{"value":0.1}""",
        ["contrast"] = """{"contrast":1.2}""",
        ["saturation"] = """{"value":1.5}""",
        ["eq"] = """{"brightness":0.05,"gamma":1.1}""",
        ["hue"] = """{"degrees":30}""",
    };

    [Theory]
    [MemberData(nameof(FilterNames))]
    public async Task Every_filter_name_of_the_originals_validator_runs(string name)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var parameters = Params.GetValueOrDefault(name, "{}");
        var operation = $$"""{"type":"filter","name":"{{name}}","params":{{parameters}} }""";
        var done = await CompletedAsync($$$$"""
            {"input":"/storage/input/short.mp4","output":{"path":"/storage/output/filter-{{{{name}}}}.mp4","video":{"codec":"h264","preset":"ultrafast"}},
             "operations":[{{{{operation}}}}]}
            """);
        var type = done["operations"]![0]!["type"]!.GetValue<string>();
        type.ShouldBe(name switch
        {
            "brightness" or "contrast" or "saturation" or "eq" => "color",
            _ => name,
        });
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.FirstVideo!.CodecName.ShouldBe("h264");
        probe.DurationSeconds!.Value.ShouldBe(2, 0.1);
    }

    [Theory]
    [InlineData("""{"type":"transcode","video_codec":"libx264","audio_codec":"aac","preset":"ultrafast","video_bitrate":"400k","audio_bitrate":96000,"width":320,"height":180,"fps":15}""")]
    [InlineData("""{"type":"transcode","params":{"video_codec":"h264","audio_codec":"aac","preset":"ultrafast","video_bitrate":400000,"audio_bitrate":"96k","width":320,"height":180,"fps":15}}""")]
    public async Task A_transcode_sets_the_outputs_encoding_size_and_rate(string operation)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var done = await CompletedAsync($$"""{"input":"/storage/input/short.mp4","output":"/storage/output/transcode-{{Guid.NewGuid():N}}.mp4","operations":[{{operation}}]}""");
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        var video = probe.FirstVideo!;
        (video.CodecName, video.Width, video.Height).ShouldBe(("h264", 320, 180));
        video.FrameRate!.Value.ShouldBe(15, 0.01);
        probe.FirstAudio!.CodecName.ShouldBe("aac");
        var logs = await _client.GetFromJsonAsync<JsonNode>(new Uri($"/api/v1/jobs/{done["id"]}/logs?lines=1000", UriKind.Relative));
        var argv = string.Join('\n', logs!["lines"]!.AsArray().Select(l => l!.GetValue<string>()));
        argv.ShouldContain("-b:v 400");
        argv.ShouldContain("-b:a 96");
        done["operations"]!.AsArray().Select(o => o!["type"]!.GetValue<string>()).ShouldBe(["scale", "fps"]);
    }

    [Fact]
    public async Task A_watermark_in_the_documented_params_form_with_watermark_path()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var done = await CompletedAsync("""
            {"input":"/storage/input/short.mp4","output":"/storage/output/watermarked-params.mp4",
             "operations":[{"type":"watermark","params":{"watermark_path":"/storage/input/logo.png","position":"bottom-right","opacity":0.8,"scale":0.15}}]}
            """);
        var watermark = done["operations"]![0]!;
        watermark["image"]!.GetValue<string>().ShouldBe("/storage/input/logo.png");
        watermark["position"]!.GetValue<string>().ShouldBe("bottom_right");
        watermark["opacity"]!.GetValue<double>().ShouldBe(0.8);
        (await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()))).FirstVideo.ShouldNotBeNull();
    }

    [Fact]
    public async Task Any_operations_fields_may_sit_in_params()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var done = await CompletedAsync("""
            {"input":"/storage/input/ten.mp4","output":{"format":"mp4","video":{"codec":"h264","preset":"ultrafast"}},
             "operations":[{"type":"trim","params":{"start":"00:00:01.5","end":"00:00:03"}},{"type":"scale","params":{"width":160}}]}
            """);
        var probe = await TestMedia.ProbeAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()));
        probe.DurationSeconds!.Value.ShouldBe(1.5, 0.1);
        probe.FirstVideo!.Width.ShouldBe(160);
    }

    [Theory]
    [InlineData("""[{"type":"trim","start":1,"params":{"start":2,"duration":1}}]""", "operations[0].params.start", "twice")]
    [InlineData("""[{"type":"trim","params":{"start":"soon"}}]""", "operations[0].params.start", "seconds")]
    [InlineData("""[{"type":"scale","params":{"width":100,"squash":true}}]""", "operations[0].params.squash", "Allowed: type, params, width")]
    [InlineData("""[{"type":"scale","params":[100]}]""", "operations[0].params", "object")]
    [InlineData("""[{"type":"filter","name":"vignette"}]""", "operations[0].name", "denoise")]
    [InlineData("""[{"type":"filter"}]""", "operations[0].name", "Required")]
    [InlineData("""[{"type":"filter","name":"denoise","params":{"sigma":3}}]""", "operations[0].params.sigma", "it takes: strength")]
    [InlineData("""[{"type":"filter","name":"brightness","params":{"value":5}}]""", "operations[0].params.value", "between -1 and 1")]
    [InlineData("""[{"type":"filter","name":"brightness"}]""", "operations[0].value", "Required")]
    [InlineData("""[{"type":"watermark","image":"/storage/input/logo.png","params":{"watermark_path":"/storage/input/logo.png"}}]""", "operations[0].params.watermark_path", "not both")]
    [InlineData("""[{"type":"transcode","video_codec":"h264","crf":60}]""", "output.video.crf", "between 0 and 51")]
    [InlineData("""[{"type":"transcode","video_bitrate":"fast"}]""", "operations[0].video_bitrate", "bitrate")]
    [InlineData("""[{"type":"transcode","width":"wide"}]""", "operations[0].width", "integer")]
    [InlineData("""[{"type":"blur","sigma":500}]""", "operations[0].sigma", "between 0.1 and 50")]
    [InlineData("""[{"type":"hue"}]""", "operations[0]", "degrees")]
    public async Task Mistakes_in_the_originals_shapes_name_the_field(string operations, string field, string words)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", $$"""{"input":"/storage/input/short.mp4","output":"mp4","operations":{{operations}}}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        var messages = problem!["errors"]![field]?.AsArray().Select(m => m!.GetValue<string>()).ToList();
        messages.ShouldNotBeNull(problem.ToJsonString());
        string.Join(' ', messages).ShouldContain(words, Case.Insensitive);
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/short.mp4","output":{"format":"mp4","video":{"codec":"vp9"}},"operations":[{"type":"transcode","video_codec":"h264"}]}""", "operations[0].video_codec")]
    [InlineData("""{"input":"/storage/input/short.mp4","outputs":["mp4","webm"],"operations":[{"type":"transcode","video_codec":"h264"}]}""", "operations[0]")]
    public async Task A_transcode_that_contradicts_the_output_is_refused(string body, string field)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]![field].ShouldNotBeNull(problem.ToJsonString());
    }

    [Fact]
    public async Task A_thumbnail_operation_in_convert_writes_the_documented_image_file()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var path = $"/storage/output/thumb-{Guid.NewGuid():N}.jpg";
        var done = await CompletedAsync($$$"""
            {"input":"/storage/input/ten.mp4","output":"{{{path}}}",
             "operations":[{"type":"thumbnail","params":{"timestamp":3,"width":320,"height":180,"quality":"high"}}]}
            """);
        done["kind"]!.GetValue<string>().ShouldBe("thumbnails");
        done["output"]!["path"]!.GetValue<string>().ShouldBe(path);
        done["thumbnails"]!["images"]![0]!["time"]!.GetValue<double>().ShouldBe(3);
        (await TestMedia.ImageAsync(_server.Physical(path))).ShouldBe(("mjpeg", 320, 180));
    }

    [Fact]
    public async Task A_thumbnail_grid_operation_in_convert_tiles_rows_by_cols_images_into_the_directory()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var directory = $"/storage/output/grid-{Guid.NewGuid():N}/";
        var done = await CompletedAsync($$$"""
            {"input":"/storage/input/ten.mp4","output":"{{{directory}}}",
             "operations":[{"type":"thumbnail_grid","params":{"rows":2,"cols":3,"width":96,"height":54}}]}
            """);
        done["kind"]!.GetValue<string>().ShouldBe("thumbnails");
        var sprite = done["thumbnails"]!["sprite"]!;
        (sprite["columns"]!.GetValue<int>(), sprite["rows"]!.GetValue<int>()).ShouldBe((3, 2));
        var sheet = sprite["sheets"]!.AsArray().ShouldHaveSingleItem()!.GetValue<string>();
        sheet.ShouldStartWith(directory);
        (await TestMedia.ImageAsync(_server.Physical(sheet))).ShouldBe(("mjpeg", 3 * 96, 2 * 54));
        var vtt = await File.ReadAllTextAsync(_server.Physical(directory + "storyboard.vtt"), TestContext.Current.CancellationToken);
        vtt.Split('\n').Count(l => l.Contains("-->", StringComparison.Ordinal)).ShouldBe(6);
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/output/t.jpg","operations":[{"type":"thumbnail","params":{"width":5}}]}""", "operations[0].params.width")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/output/t.jpg","operations":[{"type":"thumbnail","timestamp":"soon"}]}""", "operations[0].timestamp")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/output/t.png","operations":[{"type":"thumbnail","params":{"quality":"high"}}]}""", "operations[0].params.quality")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/output/t.jpg","operations":[{"type":"thumbnail","params":{"quality":"best"}}]}""", "operations[0].params.quality")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/output/g/","operations":[{"type":"thumbnail_grid","rows":30}]}""", "operations[0].rows")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/output/t.jpg","operations":[{"type":"thumbnail","params":3}]}""", "operations[0].params")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"mp4","operations":[{"type":"trim","duration":1},{"type":"thumbnail"}]}""", "operations[1]")]
    [InlineData("""{"input":"/storage/input/ten.mp4","outputs":["mp4"],"operations":[{"type":"thumbnail"}]}""", "outputs")]
    [InlineData("""{"input":"/storage/input/missing.mp4","output":"/storage/output/t.jpg","operations":[{"type":"thumbnail"}]}""", "input")]
    public async Task Mistakes_in_a_thumbnail_operation_name_the_field_as_written(string body, string field)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, MediaOnly);
        var (status, problem) = await _client.PostJsonAsync("/api/v1/convert", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]![field].ShouldNotBeNull(problem.ToJsonString());
    }

    private async Task<JsonNode> CompletedAsync(string body)
    {
        var done = await _client.WaitForEndAsync(await _client.SubmitAsync(body));
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        return done;
    }
}
