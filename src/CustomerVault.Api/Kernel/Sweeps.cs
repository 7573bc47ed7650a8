namespace CustomerVault.Kernel;

public static class Sweeps
{
    /// <summary>
    /// Sweeps now and at every tick of <paramref name="interval"/> on <paramref name="clock"/> until the host stops. A
    /// failed sweep is logged and the next tick tries again: a database away for a moment is no reason to stop for good.
    /// </summary>
    public static async Task RunAsync(
        string name, TimeSpan interval, TimeProvider clock, Func<CancellationToken, Task> sweep, ILogger logger, CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await sweep(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Sweep} sweep failed; the next one retries", name);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
