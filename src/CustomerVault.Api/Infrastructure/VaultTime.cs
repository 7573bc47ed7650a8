namespace CustomerVault.Infrastructure;

public static class VaultTime
{
    /// <summary>
    /// The current time at PostgreSQL's precision (microseconds). Deadlines are compared both in SQL and in memory;
    /// with 100 ns ticks a deadline rounds up when stored, and a grant would stay "active" in a query for a
    /// fraction of a microsecond after it expired in memory.
    /// </summary>
    public static DateTimeOffset Now(this TimeProvider clock) => Truncate(clock.GetUtcNow());

    /// <summary>
    /// An instant as the vault keeps it: in UTC (PostgreSQL's driver refuses any other offset), to the microsecond.
    /// </summary>
    public static DateTimeOffset Truncate(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % 10), TimeSpan.Zero);
}
