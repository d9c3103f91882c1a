using System.Runtime.CompilerServices;

namespace FfmpegApi.Media.Tests;

/// <summary>Checked-in test data, and golden files that <c>UPDATE_GOLDEN=1</c> rewrites in the source tree.</summary>
internal static class TestFiles
{
    public static string Read(string relative) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", relative));

    public static void AssertGolden(string name, IReadOnlyList<string> argv, [CallerFilePath] string callerFile = "")
    {
        var actual = string.Join('\n', argv) + "\n";
        var source = Path.Combine(Path.GetDirectoryName(callerFile)!, "TestData", "golden", name + ".args");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(source, actual);
        }

        var expected = File.Exists(source) ? File.ReadAllText(source) : "(missing golden file; run with UPDATE_GOLDEN=1)";
        actual.ShouldBe(expected, $"argv for {name} differs from TestData/golden/{name}.args");
    }
}
