using System.Globalization;

namespace CustomerVault.Benchmarks;

/// <summary>The "--name value" pairs a command was given.</summary>
public sealed class Arguments(string[] args)
{
    private readonly Dictionary<string, string> _values =
        Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1], StringComparer.Ordinal);

    public string this[string name] =>
        _values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"{name} is missing.", nameof(name));

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int? fallback = null) =>
        _values.TryGetValue(name, out var value) ? int.Parse(value, CultureInfo.InvariantCulture)
        : fallback ?? throw new ArgumentException($"{name} is missing.", nameof(name));
}
