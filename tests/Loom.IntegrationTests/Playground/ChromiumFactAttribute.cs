namespace Loom.IntegrationTests.Playground;

/// <summary>A browser test: skipped, with the reason shown, where Debian's chromium is not installed.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public const string Chromium = "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(Chromium))
            Skip = $"{Chromium} is absent: install Debian's chromium (apt-get install chromium; .ci/run does) to run the browser test";
    }
}
