using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using FfmpegApi.Core.Webhooks;

namespace FfmpegApi.Tests;

/// <summary>The Python and Node.js verification snippets in docs/webhooks.md accept our signatures and refuse tampering.</summary>
public sealed partial class WebhookDocsTests
{
    [GeneratedRegex("```(?<lang>python|js)\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CodeBlock();

    public static TheoryData<string> Languages => new() { "python", "js" };

    [Theory]
    [MemberData(nameof(Languages))]
    public async Task The_documented_verifier_accepts_a_signed_request_and_refuses_a_tampered_one(string language)
    {
        var doc = await File.ReadAllTextAsync(Doc(), TestContext.Current.CancellationToken);
        var snippet = CodeBlock().Matches(doc).Single(m => m.Groups["lang"].Value == language).Groups["code"].Value;
        var secret = WebhookSignature.NewSecret();
        var other = WebhookSignature.NewSecret();
        const string id = "msg_2c1d";
        const string body = """{"type":"job.completed","data":{"job":{"id":"01","status":"completed"}}}""";
        var ts = TimeProvider.System.GetUtcNow().ToUnixTimeSeconds();
        var header = WebhookSignature.Header([other, secret], id, ts, body);
        var tampered = body.Replace("completed\"}", "failed\"}", StringComparison.Ordinal);

        var (exit, output) = language == "python"
            ? await RunAsync("/usr/bin/python3", ".py", snippet + $$"""

                h = {"webhook-id": "{{id}}", "webhook-timestamp": "{{ts}}", "webhook-signature": "{{header}}"}
                old = dict(h, **{"webhook-timestamp": "{{ts - 3600}}"})
                print(verify("{{secret}}", h, b'{{body}}'), verify("{{secret}}", h, b'{{tampered}}'), verify("{{secret}}", old, b'{{body}}'))
                """)
            : await RunAsync("node", ".mjs", snippet + $$"""

                const h = { "webhook-id": "{{id}}", "webhook-timestamp": "{{ts}}", "webhook-signature": "{{header}}" };
                const old = { ...h, "webhook-timestamp": "{{ts - 3600}}" };
                const cap = (b) => b ? "True" : "False";
                console.log(cap(verify("{{secret}}", h, '{{body}}')), cap(verify("{{secret}}", h, '{{tampered}}')), cap(verify("{{secret}}", old, '{{body}}')));
                """);
        exit.ShouldBe(0, output);
        output.Trim().ShouldBe("True False False");
    }

    private static async Task<(int Exit, string Output)> RunAsync(string interpreter, string extension, string code)
    {
        var file = Path.Combine(Path.GetTempPath(), $"verify-{Guid.NewGuid():N}{extension}");
        await File.WriteAllTextAsync(file, code);
        try
        {
            var psi = new ProcessStartInfo(interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(file);
            using var process = Process.Start(psi)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static string Doc([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "..", "docs", "webhooks.md"));
}
