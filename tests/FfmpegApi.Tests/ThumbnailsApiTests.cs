using System.Net;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>POST /thumbnails: single, evenly spaced, interval and sprite sheets with a storyboard, read back from disk.</summary>
[Collection(ServerCollection.Name)]
public sealed class ThumbnailsApiTests(ServerFixture fixture)
{
    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);

    private async Task<System.Text.Json.Nodes.JsonNode> RunAsync(string body)
    {
        var (status, created) = await _client.PostJsonAsync("/api/v1/thumbnails", body);
        status.ShouldBe(HttpStatusCode.Accepted, created?.ToJsonString());
        var done = await _client.WaitForEndAsync(created!["job"]!["id"]!.GetValue<string>());
        done["status"]!.GetValue<string>().ShouldBe("completed", done.ToJsonString());
        done["kind"]!.GetValue<string>().ShouldBe("thumbnails");
        return done;
    }

    [Fact]
    public async Task One_image_at_a_time_scaled_without_upscaling()
    {
        var done = await RunAsync("""{"input":"/storage/input/ten.mp4","time":"00:00:03.5","width":320,"format":"png"}""");
        var images = done["thumbnails"]!["images"]!.AsArray();
        images.Count.ShouldBe(1);
        images[0]!["time"]!.GetValue<double>().ShouldBe(3.5);
        var file = _server.Physical(images[0]!["path"]!.GetValue<string>());
        done["output"]!["path"]!.GetValue<string>().ShouldBe(images[0]!["path"]!.GetValue<string>());
        (await TestMedia.ImageAsync(file)).ShouldBe(("png", 320, 180));
    }

    [Fact]
    public async Task One_image_to_a_file_name_is_written_as_that_file()
    {
        var name = $"poster-{Guid.NewGuid():N}";
        var done = await RunAsync($$"""{"input":"/storage/input/ten.mp4","time":1,"output":"/storage/output/{{name}}.jpeg"}""");
        var path = $"/storage/output/{name}.jpeg";
        done["output"]!["path"]!.GetValue<string>().ShouldBe(path);
        done["thumbnails"]!["images"]!.AsArray().ShouldHaveSingleItem()!["path"]!.GetValue<string>().ShouldBe(path);
        File.Exists(_server.Physical(path)).ShouldBeTrue("a file, not a folder holding thumb_0001.jpg");
        (await TestMedia.ImageAsync(_server.Physical(path))).ShouldBe(("mjpeg", 640, 360));

        var (status, problem) = await _client.PostJsonAsync("/api/v1/thumbnails", $$"""{"input":"/storage/input/ten.mp4","output":"/storage/output/{{name}}-b.jpg","format":"png"}""");
        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        problem!["errors"]!["format"]![0]!.GetValue<string>().ShouldContain("contradicts");
    }

    [Theory]
    [InlineData("""{"time":1,"height":90}""", 160, 90)]
    [InlineData("""{"time":1,"width":200,"height":100}""", 200, 100)]
    [InlineData("""{"time":1,"height":2000}""", 640, 360)]
    [InlineData("""{"mode":"count","count":2,"height":90}""", 160, 90)]
    [InlineData("""{"mode":"count","count":2,"width":200,"height":100}""", 200, 100)]
    public async Task A_height_alone_keeps_the_aspect_and_with_a_width_is_the_box(string fields, int width, int height)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "image sizes and encoder settings do not depend on the database: the SQLite pass runs them");
        var done = await RunAsync("""{"input":"/storage/input/ten.mp4",""" + fields[1..]);
        foreach (var image in done["thumbnails"]!["images"]!.AsArray())
        {
            (await TestMedia.ImageAsync(_server.Physical(image!["path"]!.GetValue<string>()))).ShouldBe(("mjpeg", width, height));
        }
    }

    [Fact]
    public async Task Quality_sets_the_jpeg_and_webp_encoders_quality()
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "image sizes and encoder settings do not depend on the database: the SQLite pass runs them");
        var sizes = new Dictionary<string, long>();
        foreach (var (format, quality) in new[] { ("jpg", "low"), ("jpg", "high"), ("webp", "low"), ("webp", "high") })
        {
            var done = await RunAsync($$"""{"input":"/storage/input/ten.mp4","time":2,"format":"{{format}}","quality":"{{quality}}"}""");
            sizes[$"{format}-{quality}"] = new FileInfo(_server.Physical(done["output"]!["path"]!.GetValue<string>())).Length;
        }

        sizes["jpg-high"].ShouldBeGreaterThan(sizes["jpg-low"]);
        sizes["webp-high"].ShouldBeGreaterThan(sizes["webp-low"]);
    }

    [Theory]
    [InlineData("anamorphic", "720x576", "setsar=16/15", 0, 768, 576)]
    [InlineData("rotated", "640x360", "setsar=1", 90, 360, 640)]
    public async Task Thumbnails_are_sized_as_the_picture_is_shown(string name, string size, string sar, int rotation, int width, int height)
    {
        var source = Path.Combine(_server.StorageRoot, "input", "thumbshapes", name + ".mp4");
        await TestMedia.FfmpegAsync("-f", "lavfi", "-i", $"testsrc2=size={size}:rate=25:duration=1", "-vf", sar, "-c:v", "libx264", "-preset", "ultrafast", source + ".tmp.mp4");
        await TestMedia.RotatedCopyAsync(source + ".tmp.mp4", source, rotation);
        var done = await RunAsync($$"""{"input":"/storage/input/thumbshapes/{{name}}.mp4","time":0.5,"format":"png"}""");
        (await TestMedia.ImageAsync(_server.Physical(done["output"]!["path"]!.GetValue<string>()))).ShouldBe(("png", width, height));
        done["thumbnails"]!["width"]!.GetValue<int>().ShouldBe(width);
    }

    [Fact]
    public async Task Evenly_spaced_and_interval_series()
    {
        var count = await RunAsync("""{"input":"/storage/input/ten.mp4","mode":"count","count":4,"width":160}""");
        var images = count["thumbnails"]!["images"]!.AsArray();
        images.Select(i => i!["time"]!.GetValue<double>()).ShouldBe([0, 2.5, 5, 7.5]);
        foreach (var image in images)
        {
            (await TestMedia.ImageAsync(_server.Physical(image!["path"]!.GetValue<string>()))).ShouldBe(("mjpeg", 160, 90));
        }

        var every = await RunAsync("""{"input":"/storage/input/ten.mp4","interval":3,"format":"webp","width":100}""");
        every["thumbnails"]!["images"]!.AsArray().Count.ShouldBe(4);
        (await TestMedia.ImageAsync(_server.Physical(every["output"]!["path"]!.GetValue<string>()))).ShouldBe(("webp", 100, 56));
    }

    [Fact]
    public async Task Image_sequences_every_frame_or_at_a_rate()
    {
        var every = await RunAsync("""{"input":"/storage/input/short.mp4","mode":"sequence","width":64}""");
        var frames = every["thumbnails"]!["images"]!.AsArray();
        frames.Count.ShouldBe(50);
        frames[1]!["time"]!.GetValue<double>().ShouldBe(0.04);
        frames[49]!["path"]!.GetValue<string>().ShouldEndWith("/frame_0050.jpg");
        var sampled = await RunAsync("""{"input":"/storage/input/short.mp4","mode":"sequence","fps":5,"format":"png","width":64}""");
        sampled["thumbnails"]!["images"]!.AsArray().Count.ShouldBe(10);
        (await TestMedia.ImageAsync(_server.Physical(sampled["output"]!["path"]!.GetValue<string>()))).ShouldBe(("png", 64, 48));
    }

    [Fact]
    public async Task Sprite_sheets_with_a_storyboard_index()
    {
        var done = await RunAsync("""{"input":"/storage/input/ten.mp4","mode":"interval","interval":1,"width":64,"sprite":{"columns":3,"rows":2},"output":"/storage/output/board"}""");
        var sprite = done["thumbnails"]!["sprite"]!;
        sprite["sheets"]!.AsArray().Count.ShouldBe(2);
        (sprite["tile_width"]!.GetValue<int>(), sprite["tile_height"]!.GetValue<int>()).ShouldBe((64, 36));
        (await TestMedia.ImageAsync(_server.Physical(sprite["sheets"]![0]!.GetValue<string>()))).ShouldBe(("mjpeg", 192, 72));

        done["output"]!["path"]!.GetValue<string>().ShouldBe("/storage/output/board/storyboard.vtt");
        var vtt = (await File.ReadAllTextAsync(_server.Physical("/storage/output/board/storyboard.vtt"), TestContext.Current.CancellationToken)).Split('\n');
        vtt[0].ShouldBe("WEBVTT");
        vtt.ShouldContain("00:00:00.000 --> 00:00:01.000");
        vtt.ShouldContain("sprite_0001.jpg#xywh=0,0,64,36");
        vtt.ShouldContain("sprite_0001.jpg#xywh=128,36,64,36");
        vtt.ShouldContain("00:00:06.000 --> 00:00:07.000");
        vtt.ShouldContain("sprite_0002.jpg#xywh=0,0,64,36");
        vtt.Count(l => l.Contains("-->", StringComparison.Ordinal)).ShouldBe(10);
    }

    [Theory]
    [InlineData("""{"input":"/storage/input/ten.mp4","mode":"count"}""", "count")]
    [InlineData("""{"input":"/storage/input/ten.mp4","mode":"interval","interval":0}""", "interval")]
    [InlineData("""{"input":"/storage/input/ten.mp4","mode":"gallery"}""", "mode")]
    [InlineData("""{"input":"/storage/input/ten.mp4","format":"bmp"}""", "format")]
    [InlineData("""{"input":"/storage/input/ten.mp4","sprite":{"columns":3}}""", "sprite")]
    [InlineData("""{"input":"/storage/input/ten.mp4","count":2,"sprite":{"columns":50}}""", "sprite.columns")]
    [InlineData("""{"input":"/storage/input/ten.mp4","output":"/storage/input"}""", "output")]
    [InlineData("""{"input":"/storage/input/ten.mp4","width":8}""", "width")]
    [InlineData("""{"input":"/storage/input/ten.mp4","height":8}""", "height")]
    [InlineData("""{"input":"/storage/input/ten.mp4","quality":"best"}""", "quality")]
    [InlineData("""{"input":"/storage/input/ten.mp4","format":"png","quality":"high"}""", "quality")]
    [InlineData("""{"input":"/storage/input/ten.mp4","mode":"count","count":3,"fps":2}""", "fps")]
    public async Task Bad_thumbnail_bodies_name_the_field(string body, string field)
    {
        var (status, problem) = await _client.PostJsonAsync("/api/v1/thumbnails", body);
        status.ShouldBe(HttpStatusCode.UnprocessableEntity, problem?.ToJsonString());
        problem!["errors"]!.AsObject().ContainsKey(field).ShouldBeTrue(problem.ToJsonString());
    }

    [Fact]
    public async Task A_time_past_the_end_fails_the_job_with_a_clear_reason()
    {
        var id = await _client.SubmitToAsync("/api/v1/thumbnails", """{"input":"/storage/input/short.mp4","time":30}""");
        var done = await _client.WaitForEndAsync(id);
        done["status"]!.GetValue<string>().ShouldBe("failed");
        done["error"]!["message"]!.GetValue<string>().ShouldContain("past the end");
    }
}
