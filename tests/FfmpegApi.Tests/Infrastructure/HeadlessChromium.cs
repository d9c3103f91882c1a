using OpenQA.Selenium.Chrome;

namespace FfmpegApi.Tests.Infrastructure;

/// <summary>Debian's headless Chromium driven by chromedriver (Selenium), and the npm tools the browser tests load.</summary>
public static class HeadlessChromium
{
    /// <summary>Whether chromium and chromium-driver are installed (scripts/install-deps.sh --test installs them).</summary>
    public static bool Installed => File.Exists("/usr/bin/chromium") && File.Exists("/usr/bin/chromedriver");

    /// <summary>A headless browser with its own profile folder; <paramref name="arguments"/> are added to the usual switches.</summary>
    public static ChromeDriver Start(string profile, params string[] arguments)
    {
        var options = new ChromeOptions { BinaryLocation = "/usr/bin/chromium" };
        options.AddArguments(["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", .. arguments, $"--user-data-dir={profile}"]);
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    /// <summary>A path under the repository's <c>.tools</c> (npm packages from install-deps), found from the test binaries up; null when absent.</summary>
    public static string? Tool(string relative) =>
        Enumerable.Range(0, 8)
            .Select(up => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, string.Concat(Enumerable.Repeat("../", up)), ".tools", relative)))
            .FirstOrDefault(p => File.Exists(p) || Directory.Exists(p));
}
