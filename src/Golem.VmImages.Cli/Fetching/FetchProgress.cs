using System.Globalization;
using Golem.VmImages.Fetching;

namespace Golem.VmImages.Cli.Fetching;

/// <summary>Shows a fetch's progress (phase, attempt, bytes of the total) on the shared <see cref="ProgressDisplay"/>.</summary>
internal sealed class FetchProgress(ProgressDisplay display) : IProgress<ImageFetchProgress>
{
    public void Report(ImageFetchProgress value)
    {
        var phase = value.Phase.ToString().ToLowerInvariant();
        var label = value.Attempt > 1 ? string.Create(CultureInfo.InvariantCulture, $"{phase} (attempt {value.Attempt})") : phase;
        display.Update(label, value.BytesDone, value.TotalBytes ?? -1);
    }
}
