using System.Diagnostics;
using System.Runtime.CompilerServices;
using FfmpegApi.Tests.Infrastructure;

namespace FfmpegApi.Tests;

/// <summary>
/// Clients written for the original Python FFmpeg API — Python with requests, JavaScript with fetch — run unchanged
/// against a real server (tests/clients/*). Debian's python3-requests and nodejs; nothing else is downloaded.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ClientCompatibilityTests(ServerFixture fixture)
{
    [Fact]
    public async Task Python_requests_client_works_unchanged()
    {
        var (exit, output) = await RunAsync("/usr/bin/python3", Path.Combine(ClientsDir(), "python", "rendiff_client_check.py"));
        exit.ShouldBe(0, output);
        output.ShouldContain("checks passed");
    }

    [Fact]
    public async Task JavaScript_fetch_client_works_unchanged()
    {
        var (exit, output) = await RunAsync("node", Path.Combine(ClientsDir(), "js", "rendiff-client-check.mjs"));
        exit.ShouldBe(0, output);
        output.ShouldContain("checks passed");
    }

    private async Task<(int Exit, string Output)> RunAsync(string interpreter, string script)
    {
        var psi = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        psi.Environment["FFMPEG_API_URL"] = fixture.Server.BaseAddress.ToString();
        psi.Environment["FFMPEG_API_KEY"] = await fixture.Server.CreateKeyAsync("client-" + Path.GetFileNameWithoutExtension(script));
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    private static string ClientsDir([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "clients"));
}
