using System.Text.Json.Nodes;

namespace BayesGen.Hostile;

/// <summary>
/// Random structural edits of a JSON document (an artifact's manifest, a checkpoint's header): a value replaced by
/// one of another type or an extreme one, a property removed, an array element duplicated or dropped, a bitmask
/// string damaged. Each edit returns a description, so a failing case can be understood without a debugger.
/// </summary>
public static class JsonEdits
{
    private static readonly Func<JsonNode?>[] Replacements =
    [
        () => null, () => 0, () => -1, () => 1, () => 2, () => 3, () => 255, () => 4096, () => 65536, () => int.MaxValue, () => int.MinValue,
        () => 1L << 40, () => 1e308, () => -1e308, () => 0.5, () => -0.0, () => "", () => "5", () => "x[", () => "Conv2d", () => "Linear",
        () => "maxpool", () => "layer", () => "input", () => "add", () => true, () => false, () => new JsonArray(), () => new JsonObject(),
        () => new JsonArray(0), () => new JsonArray(65536, 32768), () => new JsonArray(-1, -1), () => new JsonArray(1, 1, 1, 1, 1, 1, 1, 1),
        () => new JsonArray((JsonNode?)null), () => "AAAA", () => "////////", () => "not base64!",
    ];

    /// <summary>Every place a value sits: an object's property or an array's element.</summary>
    public static List<(JsonNode Parent, string? Property, int Index, string Path)> Places(JsonNode root)
    {
        var places = new List<(JsonNode, string?, int, string)>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, value) in obj.ToList())
                    {
                        places.Add((obj, key, -1, $"{path}.{key}"));
                        Walk(value, $"{path}.{key}");
                    }
                    break;
                case JsonArray array:
                    for (int i = 0; i < array.Count; i++)
                    {
                        places.Add((array, null, i, $"{path}[{i}]"));
                        Walk(array[i], $"{path}[{i}]");
                    }
                    break;
            }
        }
        Walk(root, "$");
        return places;
    }

    /// <summary>Applies one random edit to <paramref name="root"/> and describes it.</summary>
    public static string ApplyRandom(JsonNode root, Random random)
    {
        var places = Places(root);
        if (places.Count == 0) return "no place to edit";
        var (parent, property, index, path) = places[random.Next(places.Count)];
        var current = property is not null ? parent[property] : parent[index];
        switch (random.Next(10))
        {
            case 0 when property is not null:
                ((JsonObject)parent).Remove(property);
                return $"removed {path}";
            case 1 when property is null:
                ((JsonArray)parent).RemoveAt(index);
                return $"removed {path}";
            case 2 when property is null:
                ((JsonArray)parent).Insert(index, current?.DeepClone());
                return $"duplicated {path}";
            case 3 when current is JsonValue v && v.TryGetValue<double>(out var number):
                var changed = random.Next(4) switch { 0 => number + 1, 1 => number - 1, 2 => number * 1000, _ => -number };
                Set(parent, property, index, changed == Math.Floor(changed) && Math.Abs(changed) < 1e15 ? JsonValue.Create((long)changed) : JsonValue.Create(changed));
                return $"{path}: {number} -> {changed}";
            case 4 when current is JsonValue s && s.TryGetValue<string>(out var text) && text.Length > 0:
                var damaged = DamageString(text, random);
                Set(parent, property, index, damaged);
                return $"{path}: string damaged to \"{Shorten(damaged)}\"";
            case 5:
                var other = places[random.Next(places.Count)];
                var value = (other.Property is not null ? other.Parent[other.Property] : other.Parent[other.Index])?.DeepClone();
                if (value is not null && Contains(value, parent)) break;
                Set(parent, property, index, value);
                return $"{path} := copy of {other.Path}";
        }
        var replacement = Replacements[random.Next(Replacements.Length)]();
        Set(parent, property, index, replacement);
        return $"{path} := {Shorten(replacement?.ToJsonString() ?? "null")}";
    }

    /// <summary>Sets the value at a place.</summary>
    public static void Set(JsonNode parent, string? property, int index, JsonNode? value)
    {
        if (property is not null) parent[property] = value;
        else parent[index] = value;
    }

    private static bool Contains(JsonNode node, JsonNode target)
    {
        for (var p = target; p is not null; p = p.Parent)
            if (ReferenceEquals(p, node)) return true;
        return false;
    }

    private static string DamageString(string text, Random random) => random.Next(5) switch
    {
        0 => text[..random.Next(text.Length)],
        1 => text + text,
        2 => new string('A', text.Length),
        3 => new string('/', text.Length),
        _ => text.Remove(random.Next(text.Length), 1).Insert(random.Next(text.Length - 1 + 1), ((char)random.Next(33, 127)).ToString()),
    };

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";
}
