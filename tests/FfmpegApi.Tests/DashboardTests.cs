using System.Net;
using FfmpegApi.Tests.Infrastructure;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace FfmpegApi.Tests;

/// <summary>
/// The web dashboard in real headless Chromium (Debian's chromium + chromedriver, via Selenium) against a live server:
/// sign in, submit a real job from the form, watch it reach 100 % on screen, open the output, cancel another job.
/// Screenshots go to artifacts/screenshots.
/// </summary>
public sealed class DashboardTests : IAsyncLifetime
{
    private static readonly string Screenshots = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "artifacts", "screenshots"));
    private ApiServer _server = null!;
    private string _key = null!;
    private string _profile = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await ApiServer.StartAsync();
        _key = await _server.CreateKeyAsync("dashboard");
        _profile = Directory.CreateTempSubdirectory("fa-chromium-").FullName;
        await TestMedia.GenerateAsync(Path.Combine(_server.StorageRoot, "input", "clip.mp4"), 2);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_profile, recursive: true);
    }

    [Fact]
    public async Task The_page_and_its_modules_are_served_with_a_strict_policy_and_no_inline_code()
    {
        using var client = _server.Client();
        using var page = await client.GetAsync(new Uri("/", UriKind.Relative), TestContext.Current.CancellationToken);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var policy = page.Headers.GetValues("Content-Security-Policy").Single();
        policy.ShouldContain("script-src 'self'");
        policy.ShouldNotContain("unsafe-inline");
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        System.Text.RegularExpressions.Regex.IsMatch(html, @"<script(?![^>]*\bsrc=)").ShouldBeFalse("no inline scripts");
        System.Text.RegularExpressions.Regex.IsMatch(html, @"\son[a-z]+=").ShouldBeFalse("no inline event handlers");
        foreach (var module in new[] { "app.js", "api.js", "jobs.js", "submit.js", "dom.js", "app.css" })
        {
            using var file = await client.GetAsync(new Uri("/ui/" + module, UriKind.Relative), TestContext.Current.CancellationToken);
            file.StatusCode.ShouldBe(HttpStatusCode.OK, module);
            (await file.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).ShouldNotContain("innerHTML", Case.Sensitive, module);
        }

        (await client.GetAsync(new Uri("/ui/../appsettings.json", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Sign_in_submit_watch_progress_to_100_open_the_output_and_cancel_another_job()
    {
        Assert.SkipWhen(!HeadlessChromium.Installed, "chromium and chromium-driver are not installed (scripts/install-deps.sh --test installs them)");
        using var driver = Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(60));
        driver.Navigate().GoToUrl(_server.BaseAddress);

        // A wrong key is refused on the page; the right one signs in and is kept out of the URL.
        wait.Until(d => d.FindElement(By.Id("key")).Displayed);
        Accessibility(driver).ShouldBeEmpty("the sign-in page");
        driver.FindElement(By.Id("key")).SendKeys("fa_wrong");
        driver.FindElement(By.CssSelector("#sign-in-form button")).Click();
        wait.Until(d => d.FindElement(By.Id("sign-in-error")).Text.Contains("not valid", StringComparison.Ordinal));
        driver.FindElement(By.Id("key")).Clear();
        driver.FindElement(By.Id("key")).SendKeys(_key);
        driver.FindElement(By.CssSelector("#sign-in-form button")).Click();
        wait.Until(d => d.FindElement(By.Id("nav")).Displayed);
        driver.Url.ShouldNotContain(_key);
        ((IJavaScriptExecutor)driver).ExecuteScript("return sessionStorage.getItem('ffmpeg-api-key')").ShouldBe(_key);

        // The form shows the JSON it will post, then submits it.
        driver.Navigate().GoToUrl(new Uri(_server.BaseAddress, "/#/submit"));
        wait.Until(d => d.FindElement(By.Id("input")).Displayed);
        driver.FindElement(By.Id("input")).SendKeys("/storage/input/clip.mp4");
        driver.FindElement(By.CssSelector("#format option[value=webm]")).Click();
        driver.FindElement(By.Id("trim-end")).SendKeys("1.5");
        wait.Until(d => d.FindElement(By.Id("preview")).Text.Contains("\"end\": 1.5", StringComparison.Ordinal));
        var preview = driver.FindElement(By.Id("preview")).Text;
        preview.ShouldStartWith("POST /api/v1/convert");
        preview.ShouldContain("\"input\": \"/storage/input/clip.mp4\"");
        preview.ShouldContain("\"format\": \"webm\"");
        Shoot(driver, "submit-form");
        Accessibility(driver).ShouldBeEmpty("the submit form");
        driver.FindElement(By.Id("submit")).Click();

        // The job page follows it live to 100 %, then offers the output.
        wait.Until(d => d.Url.Contains("#/jobs/", StringComparison.Ordinal));
        var id = driver.Url.Split("#/jobs/")[1];
        wait.Until(d => d.FindElement(By.Id("job-status")).Text == "completed");
        driver.FindElement(By.Id("job-progress")).Text.ShouldBe("100%");
        wait.Until(d => d.FindElement(By.Id("open-output")).Displayed);
        driver.FindElement(By.Id("logs")).Text.ShouldContain("completed");
        driver.FindElement(By.Id("timeline")).Text.ShouldContain("attempt 1");
        Shoot(driver, "job-completed");
        Accessibility(driver).ShouldBeEmpty("the job page");
        driver.FindElement(By.Id("open-output")).Click();
        wait.Until(d => d.FindElement(By.Id("player")).TagName == "video");
        wait.Until(d => Convert.ToDouble(((IJavaScriptExecutor)d).ExecuteScript("return document.getElementById('player').duration || 0"), System.Globalization.CultureInfo.InvariantCulture) > 1.4);
        using var api = _server.Client(_key);
        var done = await api.GetJobAsync(id);
        done["output"]!["metadata"]!["video_codec"]!.GetValue<string>().ShouldBe("vp9");
        done["output"]!["metadata"]!["duration_seconds"]!.GetValue<double>().ShouldBe(1.5, 0.1);

        // The jobs table lists it; another job (long and slow) is cancelled from its page.
        driver.Navigate().GoToUrl(new Uri(_server.BaseAddress, "/#/jobs"));
        wait.Until(d => d.FindElements(By.CssSelector($"tr[data-job='{id}'] .status.completed")).Count == 1);
        Shoot(driver, "jobs-table");
        Accessibility(driver).ShouldBeEmpty("the jobs table");
        var slow = await api.SubmitAsync("""{"input":"/storage/input/clip.mp4","output":{"format":"mp4","video":{"codec":"h265","preset":"veryslow"}},"operations":[{"type":"scale","width":1920,"height":1080,"allow_upscale":true}]}""");
        driver.Navigate().GoToUrl(new Uri(_server.BaseAddress, $"/#/jobs/{slow}"));
        wait.Until(d => d.FindElement(By.Id("cancel")).Displayed);
        driver.FindElement(By.Id("cancel")).Click();
        wait.Until(d => d.FindElement(By.Id("job-status")).Text == "cancelled");
        (await api.GetJobAsync(slow))["status"]!.GetValue<string>().ShouldBe("cancelled");
        Shoot(driver, "job-cancelled");

        // Retry makes a new job of the same request and opens it; it is cancelled through the API (it is slow).
        wait.Until(d => d.FindElement(By.Id("retry")).Displayed);
        driver.FindElement(By.Id("retry")).Click();
        wait.Until(d => d.Url.Contains("#/jobs/", StringComparison.Ordinal) && !d.Url.EndsWith(slow, StringComparison.Ordinal));
        var again = driver.Url.Split("#/jobs/")[1];
        (await api.GetJobAsync(again))["output"]!["path"]!.GetValue<string>().ShouldBe((await api.GetJobAsync(slow))["output"]!["path"]!.GetValue<string>());
        (await api.DeleteAsync(new Uri($"/api/v1/jobs/{again}", UriKind.Relative), TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();

        // Signing out forgets the key.
        driver.FindElement(By.Id("sign-out")).Click();
        wait.Until(d => d.FindElement(By.Id("key")).Displayed);
        ((IJavaScriptExecutor)driver).ExecuteScript("return sessionStorage.getItem('ffmpeg-api-key')").ShouldBeNull();
    }

    [Fact]
    public async Task Admins_manage_keys_see_workers_stats_and_audit_and_jobs_show_charts_and_ladders()
    {
        Assert.SkipWhen(!HeadlessChromium.Installed, "chromium and chromium-driver are not installed (scripts/install-deps.sh --test installs them)");
        using var api = _server.Client(_key);
        var analysis = await api.SubmitToAsync("/api/v1/analyze", """{"input":"/storage/input/clip.mp4","reference":"/storage/input/clip.mp4","metrics":["psnr"],"per_frame":true}""");
        var ladder = await api.SubmitToAsync("/api/v1/stream", """{"input":"/storage/input/clip.mp4","type":"hls","variants":[{"resolution":"240p","bitrate":"300k"},{"resolution":"160x120","bitrate":"150k"}]}""");
        (await api.WaitForEndAsync(analysis))["status"]!.GetValue<string>().ShouldBe("completed");
        (await api.WaitForEndAsync(ladder))["status"]!.GetValue<string>().ShouldBe("completed");

        using var driver = Start();
        var wait = new WebDriverWait(driver, TimeSpan.FromSeconds(60));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException)); // the admin page redraws every 5 s

        // A tenant key gets no admin link; an admin key does.
        driver.Navigate().GoToUrl(_server.BaseAddress);
        SignIn(driver, wait, _key);
        driver.FindElement(By.Id("admin-link")).Displayed.ShouldBeFalse();
        driver.Navigate().GoToUrl(new Uri(_server.BaseAddress, $"/#/jobs/{analysis}"));
        wait.Until(d => d.FindElements(By.CssSelector("figure[data-metric='psnr'] svg polyline")).Count == 1);
        driver.FindElement(By.CssSelector("figure[data-metric='psnr'] figcaption")).Text.ShouldStartWith("PSNR: mean");
        Shoot(driver, "analysis-chart");
        driver.Navigate().GoToUrl(new Uri(_server.BaseAddress, $"/#/jobs/{ladder}"));
        wait.Until(d => d.FindElements(By.CssSelector("#ladder tbody tr")).Count == 2);
        driver.FindElement(By.Id("ladder")).Text.ShouldContain("300 kb/s");
        driver.FindElement(By.Id("sign-out")).Click();

        var adminKey = await _server.CreateKeyAsync("root", admin: true);
        SignIn(driver, wait, adminKey);
        wait.Until(d => d.FindElement(By.Id("admin-link")).Displayed);
        driver.FindElement(By.Id("admin-link")).Click();
        wait.Until(d => d.FindElements(By.CssSelector("#workers tbody tr")).Count >= 1);
        driver.FindElement(By.Id("stat-workers")).Text.ShouldBe("1");
        driver.FindElement(By.CssSelector("#workers tbody tr .status")).Text.ShouldBe("alive");

        // Create a key: the secret is shown once and works; revoke it (two clicks): it stops working.
        driver.FindElement(By.Id("new-key-name")).SendKeys("made-in-the-browser");
        driver.FindElement(By.CssSelector("#new-key-form button")).Click();
        wait.Until(d => d.FindElements(By.Id("secret-value")).Count == 1);
        var secret = driver.FindElement(By.Id("secret-value")).Text;
        using (var created = _server.Client(secret))
        {
            (await created.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        Shoot(driver, "admin");
        Accessibility(driver).ShouldBeEmpty("the admin page");
        var row = By.CssSelector("tr[data-name='made-in-the-browser']");
        driver.FindElement(row).FindElement(By.CssSelector("button.revoke")).Click();
        driver.FindElement(row).FindElement(By.CssSelector("button.revoke")).Text.ShouldBe("Confirm revoke");
        driver.FindElement(row).FindElement(By.CssSelector("button.revoke")).Click();
        wait.Until(d => d.FindElement(row).FindElement(By.CssSelector(".key-state")).Text.StartsWith("revoked", StringComparison.Ordinal));
        using (var revoked = _server.Client(secret))
        {
            (await revoked.GetAsync(new Uri("/api/v1/jobs", UriKind.Relative), TestContext.Current.CancellationToken)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        wait.Until(d => d.FindElement(By.Id("audit")).Text.Contains("key.revoke", StringComparison.Ordinal));
        driver.FindElement(By.Id("audit")).Text.ShouldContain("key.create");

        // The accessibility check has teeth: an unlabeled input on a bare page is reported.
        driver.Navigate().GoToUrl("data:text/html,<html lang=en><title>t</title><body><main><input type=text></main></body></html>");
        Accessibility(driver).ShouldContain(v => v.StartsWith("label (critical)", StringComparison.Ordinal));
    }

    private static void SignIn(ChromeDriver driver, WebDriverWait wait, string key)
    {
        wait.Until(d => d.FindElement(By.Id("key")).Displayed);
        driver.FindElement(By.Id("key")).Clear();
        driver.FindElement(By.Id("key")).SendKeys(key);
        driver.FindElement(By.CssSelector("#sign-in-form button")).Click();
        wait.Until(d => d.FindElement(By.Id("nav")).Displayed);
    }

    private ChromeDriver Start() => HeadlessChromium.Start(_profile, "--window-size=1280,900");

    /// <summary>Runs axe-core (npm, installed by install-deps --test) in the page; returns serious and critical violations.</summary>
    private static List<string> Accessibility(ChromeDriver driver)
    {
        var axe = HeadlessChromium.Tool("axe/node_modules/axe-core/axe.min.js") ?? throw new FileNotFoundException("axe-core is not installed (scripts/install-deps.sh --test installs it)");
        driver.ExecuteScript(File.ReadAllText(axe));
        var found = (IReadOnlyCollection<object>?)driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
              .filter(v => v.impact === 'serious' || v.impact === 'critical')
              .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)));
            """);
        return [.. (found ?? []).Select(v => (string)v)];
    }

    private static void Shoot(ChromeDriver driver, string name)
    {
        Directory.CreateDirectory(Screenshots);
        driver.GetScreenshot().SaveAsFile(Path.Combine(Screenshots, $"dashboard-{name}.png"));
    }
}
