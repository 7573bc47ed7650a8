namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// For what happens in the background (webhook delivery): polls a condition until it holds, and fails saying why
/// when it has not within the timeout (15 s unless given).
/// </summary>
public static class Eventually
{
    public static async Task HoldsAsync(Func<Task<bool>> condition, Func<string> because, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, because());
            await Task.Delay(50);
        }
    }

    public static Task HoldsAsync(Func<Task<bool>> condition, string because, TimeSpan? timeout = null) =>
        HoldsAsync(condition, () => because, timeout);

    public static Task HoldsAsync(Func<bool> condition, Func<string> because, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), because, timeout);

    public static Task HoldsAsync(Func<bool> condition, string because, TimeSpan? timeout = null) =>
        HoldsAsync(() => Task.FromResult(condition()), () => because, timeout);
}
