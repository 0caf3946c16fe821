using Loom.Services.Operations.Limits;

namespace Loom.Tests.Services.Operations;

public class RateLimiterTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RequestsPerMinute_RefusesTheThird_WithTheSecondsUntilTheOldestLeaves()
    {
        var time = new ManualTime(Start);
        var limiter = new RateLimiter(time);
        var policy = new RateLimitPolicy(2, null);
        Assert.True(limiter.TryAdmit("k", policy, 0).Allowed);
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(limiter.TryAdmit("k", policy, 0).Allowed);
        time.Advance(TimeSpan.FromSeconds(5.5));
        var refused = limiter.TryAdmit("k", policy, 0);
        Assert.False(refused.Allowed);
        Assert.Equal(45, refused.RetryAfterSeconds); // first entry at 0 s leaves at 60 s; now 15.5 s → 44.5 s, rounded up
        Assert.True(limiter.TryAdmit("other", policy, 0).Allowed); // keys do not share a window

        time.Advance(TimeSpan.FromSeconds(44.5));
        Assert.True(limiter.TryAdmit("k", policy, 0).Allowed);
        Assert.False(limiter.TryAdmit("k", policy, 0).Allowed);
    }

    [Fact]
    public void TokensPerMinute_CountsRealUsage_AndWaitsUntilEnoughTokensLeave()
    {
        var time = new ManualTime(Start);
        var limiter = new RateLimiter(time);
        var policy = new RateLimitPolicy(null, 100);
        var first = limiter.TryAdmit("k", policy, 10);
        Assert.True(first.Allowed);
        limiter.RecordUsage(first.Ticket!, 60); // the estimate (10) is replaced by the real count
        Assert.Equal(60, limiter.TokensInWindow("k"));
        time.Advance(TimeSpan.FromSeconds(20));
        var second = limiter.TryAdmit("k", policy, 30);
        Assert.True(second.Allowed);
        limiter.RecordUsage(second.Ticket!, 30);
        time.Advance(TimeSpan.FromSeconds(10));

        var refused = limiter.TryAdmit("k", policy, 20); // 90 used + 20 > 100: the 60 from t=0 must leave (at 60 s; now 30 s)
        Assert.False(refused.Allowed);
        Assert.Equal(30, refused.RetryAfterSeconds);
        Assert.True(limiter.TryAdmit("k", policy, 10).Allowed); // 90 + 10 fits

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(40, limiter.TokensInWindow("k"));
    }

    [Fact]
    public void AnEmptyWindow_AdmitsOneRequestLargerThanTheBudget_AndUnlimitedNeverRefuses()
    {
        var limiter = new RateLimiter(new ManualTime(Start));
        Assert.True(limiter.TryAdmit("k", new RateLimitPolicy(null, 10), 500).Allowed);
        Assert.False(limiter.TryAdmit("k", new RateLimitPolicy(null, 10), 1).Allowed);
        for (int i = 0; i < 1000; i++) Assert.True(limiter.TryAdmit("u", RateLimitPolicy.Unlimited, 1000).Allowed);
    }

    [Fact]
    public void RecordUsage_AddsAfterTheFirst_ForRequestsWithSeveralChoices()
    {
        var limiter = new RateLimiter(new ManualTime(Start));
        var ticket = limiter.TryAdmit("k", RateLimitPolicy.Unlimited, 50).Ticket!;
        limiter.RecordUsage(ticket, 12);
        limiter.RecordUsage(ticket, 8);
        Assert.Equal(20, limiter.TokensInWindow("k"));
    }

    [Fact]
    public void Policy_KeyLimitsOverrideDefaults()
    {
        var defaults = new RateLimitPolicy(60, 10_000);
        Assert.Equal(new RateLimitPolicy(5, 10_000), RateLimitPolicy.For(5, null, defaults));
        Assert.Equal(defaults, RateLimitPolicy.For(null, null, defaults));
    }
}
