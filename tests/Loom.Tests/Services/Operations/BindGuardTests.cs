using Loom.Core;
using Loom.Server.Operations;

namespace Loom.Tests.Services.Operations;

public class BindGuardTests
{
    [Fact]
    public void WithoutKeys_OnlyLoopbackIsServed_UnlessNoAuthIsExplicit()
    {
        BindGuard.Check(["127.0.0.1", "localhost", "::1", "http://127.0.0.1:8080", "http://[::1]:9000"], anyKeys: false, noAuth: false);
        foreach (string host in new[] { "0.0.0.0", "*", "192.168.1.5", "http://0.0.0.0:8080", "::" })
        {
            var e = Assert.Throws<LoomException>(() => BindGuard.Check(["127.0.0.1", host], anyKeys: false, noAuth: false));
            Assert.Contains(host, e.Message);
            Assert.Contains("--no-auth", e.Message);
            BindGuard.Check([host], anyKeys: true, noAuth: false);
            BindGuard.Check([host], anyKeys: false, noAuth: true);
        }
    }
}
