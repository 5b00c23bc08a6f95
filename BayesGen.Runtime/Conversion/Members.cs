using System.Collections.Concurrent;
using System.ComponentModel;
using System.Reflection;

namespace BayesGen.Conversion;

/// <summary>
/// Reads a member of a user's module by name: how the generated counterpart of a block reads the block's layers
/// and settings when they are private to a class the generated code cannot see into. Fields (also those of base
/// classes), auto-properties through their backing fields, and other properties are found, once per type.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Members
{
    private static readonly ConcurrentDictionary<(Type, string), Func<object, object?>> Readers = new();

    /// <summary>The value of member <paramref name="name"/> of <paramref name="source"/> as a <typeparamref name="T"/>.</summary>
    public static T Read<T>(object source, string name)
    {
        ArgumentNullException.ThrowIfNull(source);
        var reader = Readers.GetOrAdd((source.GetType(), name), key => Find(key.Item1, key.Item2));
        var value = reader(source);
        return value is T typed ? typed
            : value is null && default(T) is null ? default!
            : throw new InvalidCastException($"{source.GetType().Name}.{name} holds a {value?.GetType().Name ?? "null"}, not a {typeof(T).Name}.");
    }

    private static Func<object, object?> Find(Type type, string name)
    {
        const BindingFlags flags = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (t.GetField(name, flags) is { } field) return field.GetValue;
            if (t.GetField($"<{name}>k__BackingField", flags) is { } backing) return backing.GetValue;
            if (t.GetProperty(name, flags) is { GetMethod: not null } property) return property.GetValue;
        }
        throw new MissingMemberException($"{type.FullName} has no field or property '{name}' (the generated code was made from another version of the class; rebuild).");
    }
}
