using System.Text.RegularExpressions;
using BayesGen.Tests.Support;

namespace BayesGen.Tests.Architecture;

/// <summary>
/// The runtime's namespaces depend one way: no cycle among them (pruning depends on the network, not the network on
/// pruning; layers do not know the network they sit in). Read from the sources: a namespace uses a type of another
/// when the type's name appears as an identifier in its code (comments and strings aside).
/// </summary>
public sealed partial class NamespaceDependencyTests
{
    [GeneratedRegex(@"^namespace ([\w.]+);", RegexOptions.Multiline)]
    private static partial Regex Namespace();

    [GeneratedRegex(@"(?:public|internal)\s+(?:sealed |abstract |static |readonly )*(?:partial )?(?:class|record|struct|enum|interface)\s+(\w+)")]
    private static partial Regex TypeDeclaration();

    [Fact]
    public void The_runtime_namespaces_form_no_cycle()
    {
        var sources = Directory.EnumerateFiles(RepositoryPaths.File("BayesGen.Runtime"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(f => (Text: File.ReadAllText(f), Namespace: Namespace().Match(File.ReadAllText(f)).Groups[1].Value))
            .Where(s => s.Namespace.Length > 0).ToList();
        var owners = new Dictionary<string, HashSet<string>>();
        foreach (var (text, ns) in sources)
            foreach (Match m in TypeDeclaration().Matches(text))
                (owners.TryGetValue(m.Groups[1].Value, out var set) ? set : owners[m.Groups[1].Value] = []).Add(ns);
        var edges = sources.Select(s => s.Namespace).Distinct().ToDictionary(n => n, _ => new HashSet<string>());
        foreach (var (text, ns) in sources)
        {
            var code = Regex.Replace(Regex.Replace(text, @"//.*", ""), "\"[^\"\\n]*\"", "");
            foreach (var (type, namespaces) in owners.Where(o => o.Key is not ("Tensor" or "KeptGroups")))   // also member names elsewhere
                if (Regex.IsMatch(code, $@"(?<!\w){type}\b(?!\s*\()") || Regex.IsMatch(code, $@"new\s+{type}\b"))
                    foreach (var other in namespaces.Where(n => n != ns)) edges[ns].Add(other);
        }
        // The analysis sees what it must: pruning uses the network, and the network does not use pruning.
        Assert.Contains("BayesGen", edges["BayesGen.Compression"]);
        Assert.DoesNotContain("BayesGen.Compression", edges["BayesGen"]);
        var cycle = FindCycle(edges);
        Assert.True(cycle is null, $"namespaces depend on each other in a cycle: {string.Join(" -> ", cycle ?? [])}");
    }

    private static List<string>? FindCycle(Dictionary<string, HashSet<string>> edges)
    {
        var state = edges.Keys.ToDictionary(k => k, _ => 0);   // 0 unvisited, 1 on the path, 2 done
        var path = new List<string>();
        List<string>? Visit(string node)
        {
            state[node] = 1;
            path.Add(node);
            foreach (var next in edges[node].Where(edges.ContainsKey))
            {
                if (state[next] == 1) return [.. path.SkipWhile(n => n != next), next];
                if (state[next] == 0 && Visit(next) is { } found) return found;
            }
            path.RemoveAt(path.Count - 1);
            state[node] = 2;
            return null;
        }
        foreach (var node in edges.Keys.Order())
            if (state[node] == 0 && Visit(node) is { } cycle) return cycle;
        return null;
    }
}
