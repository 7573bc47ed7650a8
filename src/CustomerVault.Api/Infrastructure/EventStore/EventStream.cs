using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.RegularExpressions;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>
/// A stream's events and how its state follows from them, read off the state's own type: its static
/// <c>Create(first event)</c> and its <c>Apply(event)</c> methods, the convention the event store projects with. The
/// store's registration (<see cref="StoreParts.AddEventStream{T}"/>) and the audits' replay both derive from it, so an
/// event is declared in one place: its stream's file, with the method that applies it.
/// </summary>
public sealed partial class EventStream
{
    private static readonly ConcurrentDictionary<Type, EventStream?> Known = new();

    private readonly Dictionary<Type, Func<object, object>> _starts = [];
    private readonly Dictionary<Type, Func<object, object, object>> _applies = [];
    private readonly Action<object, long>? _setVersion;

    private EventStream(Type stateType)
    {
        StateType = stateType;
        Kind = KebabCase().Replace(stateType.Name, "-$1").ToLowerInvariant();
        foreach (var method in stateType.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            if (method.ReturnType != stateType || method.GetParameters() is not [var parameter])
            {
                continue;
            }

            var state = Expression.Parameter(typeof(object), "state");
            var @event = Expression.Parameter(typeof(object), "event");
            var typedEvent = Expression.Convert(@event, parameter.ParameterType);
            if (method is { Name: "Create", IsStatic: true })
            {
                _starts[parameter.ParameterType] = Expression.Lambda<Func<object, object>>(Expression.Call(method, typedEvent), @event).Compile();
            }
            else if (method is { Name: "Apply", IsStatic: false })
            {
                _applies[parameter.ParameterType] = Expression.Lambda<Func<object, object, object>>(
                    Expression.Call(Expression.Convert(state, stateType), method, typedEvent), state, @event).Compile();
            }
        }

        if (stateType.GetProperty("Version", typeof(long)) is { CanWrite: true } version)
        {
            var state = Expression.Parameter(typeof(object), "state");
            var value = Expression.Parameter(typeof(long), "version");
            _setVersion = Expression.Lambda<Action<object, long>>(
                Expression.Assign(Expression.Property(Expression.Convert(state, stateType), version), value), state, value).Compile();
        }

        EventTypes = [.. _starts.Keys, .. _applies.Keys];
    }

    public Type StateType { get; }

    /// <summary>What audits call the stream: its state's name in kebab case (<c>access-request</c>).</summary>
    public string Kind { get; }

    /// <summary>Every event of the stream: those that start it, then those that follow.</summary>
    public IReadOnlyList<Type> EventTypes { get; }

    /// <summary>The stream of a state type, or null when the type does not start from an event (a plain document).</summary>
    public static EventStream? Of(Type stateType) =>
        Known.GetOrAdd(stateType, type => new EventStream(type) is { _starts.Count: > 0 } stream ? stream : null);

    public static EventStream Of<T>() => Of(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} has no static Create(event): it is not a stream's state.");

    public bool Starts(Type eventType) => _starts.ContainsKey(eventType);

    /// <summary>The state after one more event; an event that cannot follow the state is a broken stream.</summary>
    public object Evolve(object? state, object @event) => state switch
    {
        null when _starts.TryGetValue(@event.GetType(), out var start) => start(@event),
        not null when _applies.TryGetValue(@event.GetType(), out var apply) => apply(state, @event),
        _ => throw new InvalidOperationException($"{@event.GetType().Name} cannot follow {state?.GetType().Name ?? "nothing"}."),
    };

    /// <summary>One event further, stamping the stream version the way the event store does.</summary>
    public object Step(object? state, long version, object @event)
    {
        var next = Evolve(state, @event);
        _setVersion?.Invoke(next, version);
        return next;
    }

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex KebabCase();
}
