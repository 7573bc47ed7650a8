using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Kernel;

/// <summary>
/// Collects what is wrong with a command, each message under the field it concerns, so that one answer (400) names
/// every problem at once rather than the first.
/// </summary>
public sealed class ValidationContext(DateOnly today)
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public DateOnly Today => today;

    public bool HasErrors => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages))
        {
            _errors[field] = messages = [];
        }

        messages.Add(message);
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    /// <summary>Refuses the command (400, every field named) when anything was found wrong.</summary>
    public void ThrowIfInvalid()
    {
        if (HasErrors)
        {
            throw new RequestValidationException(ToDictionary());
        }
    }
}
