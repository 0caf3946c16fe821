using System.Net;
using Loom.Core;

namespace Loom.Server.Operations;

/// <summary>
/// The rule that keeps a key-less server private: with no API keys, every address the server binds must be loopback
/// unless --no-auth (Server:NoAuth) says serving everyone is intended. Checked on the resolved bind addresses before
/// the listener opens.
/// </summary>
public static class BindGuard
{
    /// <summary>Throws when a non-loopback <paramref name="hosts"/> entry would be served without keys and without --no-auth.</summary>
    public static void Check(IEnumerable<string> hosts, bool anyKeys, bool noAuth)
    {
        if (anyKeys || noAuth) return;
        foreach (string host in hosts)
            if (!IsLoopback(host))
                throw LoomException.Argument(
                    $"refusing to serve on '{host}' without API keys: anyone who can reach it could use the models. " +
                    "Create a key (loom keys create NAME), bind to 127.0.0.1, or pass --no-auth to serve without keys on purpose");
    }

    /// <summary>True for "localhost", 127.x.x.x and ::1 (also inside a URL such as http://127.0.0.1:8080).</summary>
    public static bool IsLoopback(string hostOrUrl)
    {
        string host = hostOrUrl;
        if (Uri.TryCreate(hostOrUrl, UriKind.Absolute, out var uri) && uri.Host.Length > 0) host = uri.Host;
        host = host.Trim('[', ']');
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}
