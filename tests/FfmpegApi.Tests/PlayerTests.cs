using System.Globalization;
using FfmpegApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using OpenQA.Selenium.Chrome;

namespace FfmpegApi.Tests;

/// <summary>
/// The ladders the service packages play in real players: hls.js, dash.js and Shaka Player (npm, installed by
/// <c>scripts/install-deps.sh --test</c>) in Debian's headless Chromium. Each package (three rungs, 360p to 144p) is
/// served from a loopback origin; the player must load every rung, play past one second without an error, and show
/// a picture of one of the rungs' sizes.
/// </summary>
[Collection(MediaCollection.Name)]
public sealed class PlayerTests(ServerFixture fixture) : IDisposable
{
    private static readonly string? Players = HeadlessChromium.Tool("players/node_modules");

    private readonly ApiServer _server = fixture.Server;
    private readonly HttpClient _client = fixture.Server.Client(fixture.UserKey);
    private readonly string _profile = Directory.CreateTempSubdirectory("fa-player-").FullName;

    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // player, package type, HLS segment type, source shape
        { "hls.js", "hls", "ts", "landscape" },
        { "hls.js", "hls", "fmp4", "portrait" },
        { "shaka", "hls", "fmp4", "landscape" },
        { "dash.js", "dash", "fmp4", "landscape" },
        { "dash.js", "dash", "fmp4", "portrait" },
        { "shaka", "dash", "fmp4", "portrait" },
    };

    public void Dispose() => Directory.Delete(_profile, recursive: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_ladder_plays_in_a_real_player(string player, string type, string segments, string shape)
    {
        Assert.SkipWhen(TestDatabase.IsPostgres, "playback does not depend on the database: the SQLite pass runs it");
        Assert.SkipWhen(!HeadlessChromium.Installed || Players is null, "chromium, chromedriver and the npm players are installed by scripts/install-deps.sh --test");
        var size = shape == "portrait" ? "360x640" : "640x360";
        var input = $"/storage/input/players/{shape}.mp4";
        if (!File.Exists(_server.Physical(input)))
        {
            await TestMedia.GenerateAsync(_server.Physical(input), 3, size);
        }

        var body = type == "hls"
            ? JobClient.Json(new { input, type, segment_type = segments, segment_duration = 1, variants = new[] { new { resolution = "360p" }, new { resolution = "240p" }, new { resolution = "144p" } } })
            : JobClient.Json(new { input, type, segment_duration = 1, variants = new[] { new { resolution = "360p" }, new { resolution = "240p" }, new { resolution = "144p" } } });
        var done = await _client.WaitForEndAsync(await _client.SubmitToAsync("/api/v1/stream", body), 180);
        done["status"]!.GetValue<string>().ShouldBe("completed", done["error"]?.ToJsonString());
        var manifest = _server.Physical(done["output"]!["path"]!.GetValue<string>());

        await using var origin = await OriginAsync(Path.GetDirectoryName(manifest)!);
        var port = new Uri(origin.Urls.First()).Port;
        var page = $"http://127.0.0.1:{port}/player.html?player={Uri.EscapeDataString(player)}&src={Uri.EscapeDataString("/package/" + Path.GetFileName(manifest))}";
        using var driver = Start();
        driver.Navigate().GoToUrl(page);
        var result = WaitForResult(driver);

        result["error"].ShouldBeNull($"{player} {type}/{segments} {shape}: {result["error"]}");
        Convert.ToInt32(result["levels"], CultureInfo.InvariantCulture).ShouldBe(3, $"{player} sees every rung");
        Convert.ToDouble(result["time"], CultureInfo.InvariantCulture).ShouldBeGreaterThan(1.0, $"{player} played");
        var (width, height) = (Convert.ToInt32(result["width"], CultureInfo.InvariantCulture), Convert.ToInt32(result["height"], CultureInfo.InvariantCulture));
        var sizes = shape == "portrait" ? new[] { (360, 640), (240, 426), (144, 256) } : [(640, 360), (426, 240), (256, 144)];
        sizes.ShouldContain((width, height), $"{player} shows {width}x{height}");
    }

    /// <summary>Waits in the page for its result event (bounded by the script timeout).</summary>
    private static Dictionary<string, object?> WaitForResult(ChromeDriver driver)
    {
        driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(60);
        var found = driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            if (window.__result) done(window.__result); else window.addEventListener('result', () => done(window.__result));
            """);
        return new Dictionary<string, object?>(found.ShouldBeAssignableTo<IDictionary<string, object?>>().ShouldNotBeNull(), StringComparer.Ordinal);
    }

    /// <summary>A loopback origin serving the package under /package/, the players under /lib/, and the test page.</summary>
    private static async Task<WebApplication> OriginAsync(string package)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".m3u8"] = "application/vnd.apple.mpegurl";
        types.Mappings[".mpd"] = "application/dash+xml";
        types.Mappings[".m4s"] = "video/iso.segment";
        types.Mappings[".ts"] = "video/mp2t";
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(package), RequestPath = "/package", ContentTypeProvider = types, ServeUnknownFileTypes = true });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(Players!), RequestPath = "/lib" });
        app.MapGet("/player.html", () => Microsoft.AspNetCore.Http.Results.Content(Page, "text/html"));
        await app.StartAsync();
        return app;
    }

    private ChromeDriver Start() => HeadlessChromium.Start(_profile, "--autoplay-policy=no-user-gesture-required");

    /// <summary>
    /// Loads the named player, plays the source muted, and sets <c>window.__result</c> (and fires <c>result</c>) once the
    /// picture has played past 1.2 s or a fatal error was reported: {time, width, height, levels, error}.
    /// </summary>
    private const string Page = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>player</title></head>
        <body><video id="v" muted playsinline width="640"></video>
        <script>
        const q = new URLSearchParams(location.search), name = q.get('player'), src = q.get('src'), v = document.getElementById('v');
        let levels = 0;
        const finish = (error) => {
          if (window.__result) return;
          window.__result = { error, levels, time: v.currentTime, width: v.videoWidth, height: v.videoHeight };
          window.dispatchEvent(new Event('result'));
        };
        const fail = (e) => finish(String(e));
        v.addEventListener('error', () => fail('video element: ' + (v.error && v.error.message)));
        v.addEventListener('timeupdate', () => { if (v.currentTime > 1.2) finish(null); });
        const script = (path) => new Promise((ok, ko) => { const s = document.createElement('script'); s.src = path; s.onload = ok; s.onerror = () => ko('cannot load ' + path); document.head.appendChild(s); });
        (async () => {
          if (name === 'hls.js') {
            await script('/lib/hls.js/dist/hls.min.js');
            const hls = new Hls();
            hls.on(Hls.Events.ERROR, (_, d) => { if (d.fatal) fail(d.type + ': ' + d.details); });
            hls.on(Hls.Events.MANIFEST_PARSED, () => { levels = hls.levels.length; v.play().catch(fail); });
            hls.loadSource(src); hls.attachMedia(v);
          } else if (name === 'dash.js') {
            await script('/lib/dashjs/dist/modern/umd/dash.all.min.js');
            const p = dashjs.MediaPlayer().create();
            p.on(dashjs.MediaPlayer.events.ERROR, (e) => fail('dash.js: ' + JSON.stringify(e.error || e)));
            p.on(dashjs.MediaPlayer.events.STREAM_INITIALIZED, () => {
              levels = (p.getRepresentationsByType ? p.getRepresentationsByType('video') : p.getBitrateInfoListFor('video')).length;
            });
            p.initialize(v, src, true);
          } else {
            await script('/lib/shaka-player/dist/shaka-player.compiled.js');
            shaka.polyfill.installAll();
            const p = new shaka.Player();
            p.addEventListener('error', (e) => fail('shaka: ' + e.detail.code));
            await p.attach(v);
            await p.load(src);
            levels = new Set(p.getVariantTracks().map(t => t.height)).size;
            await v.play();
          }
        })().catch(fail);
        </script></body></html>
        """;
}
