using System.Globalization;

namespace FfmpegApi.Core.Backup;

/// <summary>
/// Grandfather-father-son retention, counted back from the newest backup: keep the newest backup of each of the last
/// <c>daily</c> calendar days, of each of the last <c>weekly</c> ISO weeks, and of each of the last <c>monthly</c>
/// months (periods without a backup still count); the newest backup is always kept. Pure, so it is tested on made-up
/// histories.
/// </summary>
public static class BackupRetention
{
    public static IReadOnlySet<string> Keep(IEnumerable<(string Name, DateTime At)> backups, int daily, int weekly, int monthly)
    {
        var newestFirst = backups.OrderByDescending(b => b.At).ToList();
        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (newestFirst.Count == 0)
        {
            return keep;
        }

        var now = newestFirst[0].At;
        keep.Add(newestFirst[0].Name);
        KeepNewestPer(newestFirst, b => (now.Date - b.At.Date).Days, daily, keep);
        KeepNewestPer(newestFirst, b => (WeekStart(now) - WeekStart(b.At)).Days / 7, weekly, keep);
        KeepNewestPer(newestFirst, b => ((now.Year - b.At.Year) * 12) + now.Month - b.At.Month, monthly, keep);
        return keep;
    }

    /// <summary>Keeps the newest backup of each period whose distance back from now (0 = the current period) is under <paramref name="count"/>.</summary>
    private static void KeepNewestPer(List<(string Name, DateTime At)> newestFirst, Func<(string Name, DateTime At), int> periodsAgo, int count, HashSet<string> keep)
    {
        foreach (var group in newestFirst.GroupBy(periodsAgo).Where(g => g.Key < count))
        {
            keep.Add(group.First().Name);
        }
    }

    private static DateTime WeekStart(DateTime at) =>
        ISOWeek.ToDateTime(ISOWeek.GetYear(at), ISOWeek.GetWeekOfYear(at), DayOfWeek.Monday);
}
