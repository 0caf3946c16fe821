namespace Loom.Tensors;

/// <summary>
/// Whether ops record themselves for backward, per thread. <c>using (GradMode.NoGrad()) { … }</c> turns recording
/// off for evaluation, sampling and optimizer updates.
/// </summary>
public static class GradMode
{
    [ThreadStatic] private static int _disabledDepth;

    public static bool IsEnabled => _disabledDepth == 0;

    public static IDisposable NoGrad()
    {
        _disabledDepth++;
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _disabledDepth--;
        }
    }
}
