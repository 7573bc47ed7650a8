using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace CustomerVault.Identity;

/// <summary>Sign-in protection settings (section <c>Vault:SignIn</c>).</summary>
public sealed class SignInOptions
{
    public const string Section = "Vault:SignIn";

    /// <summary>Wrong passwords for one account from one address before that pair waits out <see cref="BlockDuration"/>.</summary>
    public int MaxFailuresPerAccountAndAddress { get; set; } = 5;

    /// <summary>Failed sign-ins (any accounts) and refused sign-ups from one address before the address waits.</summary>
    public int MaxFailuresPerAddress { get; set; } = 20;

    /// <summary>
    /// Wrong passwords for one account from anywhere before only browsers it signed in from before may try it; 0: never.
    /// </summary>
    public int MaxFailuresPerAccount { get; set; } = 50;

    /// <summary>How long failures are counted from the first of a series.</summary>
    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a blocked account and address, address or account waits.</summary>
    public TimeSpan BlockDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a browser that signed in is trusted for its account when the account is under attack.</summary>
    public TimeSpan TrustedDeviceLifetime { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Entries kept in memory; beyond it the oldest series are forgotten.</summary>
    public int Capacity { get; set; } = 100_000;
}

/// <summary>A series of failures and, once it reached its limit, until when it blocks.</summary>
public sealed record FailureSeries(int Failures, DateTimeOffset Since, DateTimeOffset BlockedUntil)
{
    public bool Blocks(DateTimeOffset now) => BlockedUntil > now;

    public bool IsOver(DateTimeOffset now, TimeSpan window) => now - Since >= window && !Blocks(now);

    /// <summary>One more failure: a series older than the window starts again; at the limit it blocks for the duration.</summary>
    public static FailureSeries Record(FailureSeries? series, DateTimeOffset now, int limit, TimeSpan window, TimeSpan block)
    {
        var current = series is null || now - series.Since >= window ? new FailureSeries(0, now, series?.BlockedUntil ?? DateTimeOffset.MinValue) : series;
        var failures = current.Failures + 1;
        return current with { Failures = failures, BlockedUntil = failures >= limit ? now + block : current.BlockedUntil };
    }
}

/// <summary>
/// Slows password guessing without handing anyone a way to lock a customer out. Wrong passwords are counted per
/// account and address, per address, and per account; an account is never locked for its owner: a browser it signed
/// in from before still may try while the account or the address is blocked (only its own address and account pair
/// holds it back). Keys are the normalised e-mail as typed,
/// whether or not an account has it, so the answers for existing and unknown accounts are the same. Counts are kept
/// in this node's memory (a few attempts more per node behind a load balancer).
/// </summary>
public sealed class SignInThrottle(Microsoft.Extensions.Options.IOptions<SignInOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, FailureSeries> _series = new(StringComparer.Ordinal);
    private readonly SignInOptions _options = options.Value;

    /// <summary>How long this attempt must wait, or null when it may go ahead.</summary>
    public TimeSpan? Wait(string account, IPAddress? address, bool trustedDevice)
    {
        var now = clock.GetUtcNow();
        var from = Address(address);
        // A browser that signed in to this account before is its owner's, or was: an attack on the account from
        // elsewhere, or from her address on other accounts, does not keep her out.
        var until = new[]
            {
                Until(PairKey(account, from), now),
                trustedDevice ? null : Until(AddressKey(from), now),
                trustedDevice ? null : Until(AccountKey(account), now),
            }
            .Max();
        return until is { } blocked ? blocked - now : null;
    }

    /// <summary>How long a sign-up from this address must wait, or null.</summary>
    public TimeSpan? Wait(IPAddress? address)
    {
        var now = clock.GetUtcNow();
        return Until(AddressKey(Address(address)), now) is { } blocked ? blocked - now : null;
    }

    /// <summary>A wrong password (or an unknown account): counted for the pair, the address and the account.</summary>
    public void Failed(string account, IPAddress? address)
    {
        var from = Address(address);
        Record(PairKey(account, from), _options.MaxFailuresPerAccountAndAddress);
        Record(AddressKey(from), _options.MaxFailuresPerAddress);
        if (_options.MaxFailuresPerAccount > 0)
        {
            Record(AccountKey(account), _options.MaxFailuresPerAccount);
        }
    }

    /// <summary>A refusal that says nothing about a password (a sign-up for a taken address): counted for the address only.</summary>
    public void Refused(IPAddress? address) => Record(AddressKey(Address(address)), _options.MaxFailuresPerAddress);

    /// <summary>The right password ends the pair's series; the address and the account keep theirs, or an attacker could reset them.</summary>
    public void Succeeded(string account, IPAddress? address) => _series.TryRemove(PairKey(account, Address(address)), out _);

    private DateTimeOffset? Until(string key, DateTimeOffset now) =>
        _series.TryGetValue(key, out var series) && series.Blocks(now) ? series.BlockedUntil : null;

    private void Record(string key, int limit)
    {
        var now = clock.GetUtcNow();
        if (_series.Count >= _options.Capacity)
        {
            Forget(now);
        }

        _series.AddOrUpdate(key,
            static (_, state) => FailureSeries.Record(null, state.now, state.limit, state.window, state.block),
            static (_, series, state) => FailureSeries.Record(series, state.now, state.limit, state.window, state.block),
            (now, limit, window: _options.FailureWindow, block: _options.BlockDuration));
    }

    // Ended series first; if that is not enough (a flood of distinct keys), the oldest, keeping those that block.
    private void Forget(DateTimeOffset now)
    {
        foreach (var (key, series) in _series)
        {
            if (series.IsOver(now, _options.FailureWindow))
            {
                _series.TryRemove(key, out _);
            }
        }

        var excess = _series.Count - _options.Capacity * 9 / 10;
        if (excess > 0)
        {
            foreach (var (key, _) in _series.Where(s => !s.Value.Blocks(now)).OrderBy(s => s.Value.Since).Take(excess).ToList())
            {
                _series.TryRemove(key, out _);
            }
        }
    }

    private static string PairKey(string account, string address) => $"pair\n{account}\n{address}";

    private static string AddressKey(string address) => $"address\n{address}";

    private static string AccountKey(string account) => $"account\n{account}";

    /// <summary>
    /// The address an attempt is counted under. An IPv6 client usually controls a whole /64, so that is one address here.
    /// </summary>
    internal static string Address(IPAddress? address)
    {
        if (address is null)
        {
            return "local";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
