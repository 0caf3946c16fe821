using Loom.Core;

namespace Loom.Nn.Optim;

/// <summary>Learning-rate schedules as pure functions of the step, so a resumed run gets the same rates.</summary>
public static class LrSchedule
{
    /// <summary>
    /// Linear warmup from maxLr/warmupSteps (step 0) to maxLr (step warmupSteps − 1), then a half cosine from maxLr
    /// (step warmupSteps) down to minLr (step totalSteps), and minLr after that. The first step never has rate 0.
    /// </summary>
    public static float WarmupCosine(long step, long warmupSteps, long totalSteps, float maxLr, float minLr = 0f)
    {
        if (step < 0) throw LoomException.Argument($"lr schedule: step must be non-negative, found {step}");
        if (warmupSteps < 0 || totalSteps < warmupSteps)
            throw LoomException.Argument($"lr schedule: need 0 ≤ warmup ({warmupSteps}) ≤ total steps ({totalSteps})");
        if (!(minLr >= 0 && maxLr >= minLr))
            throw LoomException.Argument($"lr schedule: need 0 ≤ min lr ({minLr}) ≤ max lr ({maxLr})");
        if (step < warmupSteps) return (float)(maxLr * (double)(step + 1) / warmupSteps);
        if (step >= totalSteps) return minLr;
        double progress = (double)(step - warmupSteps) / (totalSteps - warmupSteps);
        return (float)(minLr + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (maxLr - minLr));
    }
}
