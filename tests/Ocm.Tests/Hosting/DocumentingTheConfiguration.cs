using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ocm.Hosting;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// docs/configuration.md and the README's configuration tables against the options classes themselves: every public
/// setting of every <c>…Options</c> record with a <c>Section</c> is documented, under its full key, with the default a
/// fresh instance really has. A new setting without documentation, or a changed default, fails here.
/// </summary>
public sealed partial class DocumentingTheConfiguration
{
    private const string Unset = "unset";
    private const string Required = "required";

    private static string Reference => File.ReadAllText(Path.Combine(OcmProcess.RepositoryRoot, "docs", "configuration.md"));

    private static string Readme => File.ReadAllText(Path.Combine(OcmProcess.RepositoryRoot, "README.md"));

    [Fact]
    public void OptionsClasses_AreFound()
    {
        // Guards the reflection below: finding none would make every other test here pass on nothing.
        var sections = OptionsClasses().Select(t => (string)t.GetField("Section")!.GetValue(null)!).ToList();

        Assert.Contains("Ocm", sections);
        Assert.Contains("Ocm:Delivery", sections);
        Assert.Contains("Ocm:WebDav", sections);
        Assert.True(sections.Count >= 13, string.Join(", ", sections));
    }

    [Fact]
    public void Reference_DocumentsEverySettingWithItsDefault()
    {
        var documented = Rows(Reference, prefixFromHeader: false);
        var problems = new List<string>();
        foreach (var (key, expected) in Settings())
        {
            if (!documented.TryGetValue(key, out var cell))
            {
                problems.Add($"{key} is not in docs/configuration.md");
                continue;
            }

            problems.AddRange(Compare(key, expected, cell, "docs/configuration.md"));
        }

        var known = Settings().Keys.ToHashSet(StringComparer.Ordinal);
        problems.AddRange(documented.Keys.Where(k => !known.Contains(k)).Select(k => $"docs/configuration.md documents {k}, which no options class has"));
        Assert.Empty(problems);
    }

    [Fact]
    public void ReadmeTables_NameRealSettingsWithTheirRealDefaults()
    {
        var settings = Settings();
        var documented = Rows(Readme, prefixFromHeader: true);
        Assert.Contains("Ocm:DataDir", documented.Keys);
        var problems = new List<string>();
        foreach (var (key, cell) in documented)
        {
            if (!settings.TryGetValue(key, out var expected))
            {
                problems.Add($"the README documents {key}, which no options class has");
                continue;
            }

            problems.AddRange(Compare(key, expected, cell, "README.md"));
        }

        Assert.Empty(problems);
        Assert.Contains("(docs/configuration.md)", Readme, StringComparison.Ordinal);
    }

    [Fact]
    public void Reference_ShowsListsAsEnvironmentVariables_AndAnOcmJsonWhoseKeysExist()
    {
        var reference = Reference;
        Assert.Matches(@"OCM_FEDERATION__INSECUREPEERS__0=\S+", reference);
        Assert.Matches(@"OCM_INVITES__DIRECTORYSERVICES__0__URL=\S+", reference);

        var json = reference[(reference.IndexOf("```json\n", StringComparison.Ordinal) + 8)..];
        using var example = JsonDocument.Parse(json[..json.IndexOf("```", StringComparison.Ordinal)]);
        var settings = Settings();
        var keys = Leaves(example.RootElement, "").ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys.Where(k => !k.StartsWith("Ocm:Logging:", StringComparison.Ordinal)), k =>
            Assert.True(settings.ContainsKey(k) || settings.ContainsKey(Regex.Replace(k, @":\d+$", "")), $"the ocm.json example sets {k}, which is no setting"));
    }

    private static IEnumerable<Type> OptionsClasses() => typeof(OcmOptions).Assembly.GetTypes()
        .Where(t => t.IsClass && t.IsSealed && t.Name.EndsWith("Options", StringComparison.Ordinal)
            && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true });

    /// <summary>Every setting: <c>Section:Property</c> and the default of a fresh instance, as the docs write it.</summary>
    private static Dictionary<string, string> Settings()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var type in OptionsClasses())
        {
            var section = (string)type.GetField("Section")!.GetValue(null)!;
            var instance = Activator.CreateInstance(type)!;
            foreach (var property in Settable(type))
            {
                var key = $"{section}:{property.Name}";
                settings[key] = Format(property.GetValue(instance));
                if (property.PropertyType.IsArray && property.PropertyType.GetElementType() is { } element && element != typeof(string) && element.IsClass)
                {
                    foreach (var member in Settable(element))
                    {
                        settings[$"{key}:{{n}}:{member.Name}"] = Required;
                    }
                }
            }
        }

        return settings;
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    private static string Format(object? value) => value switch
    {
        null => Unset,
        bool b => b ? "true" : "false",
        string s => s,
        Array { Length: 0 } => "[]",
        Array a => "[" + string.Join(", ", a.Cast<object>()) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static IEnumerable<string> Compare(string key, string expected, string cell, string where)
    {
        if (expected is Unset or Required)
        {
            if (!cell.StartsWith(expected, StringComparison.Ordinal))
            {
                yield return $"{where}: {key} has no default of its own; its Default column must start with '{expected}', not '{cell}'";
            }

            yield break;
        }

        var literal = FirstCode().Match(cell);
        if (!literal.Success || literal.Groups[1].Value != expected)
        {
            yield return $"{where}: {key} defaults to `{expected}`, the documentation says '{cell}'";
        }
    }

    /// <summary>
    /// Table rows of settings: key cell (first <c>`code`</c>, after the table's <c>Key (`Ocm:Section:` …)</c> prefix when
    /// <paramref name="prefixFromHeader"/>) → Default cell.
    /// </summary>
    private static Dictionary<string, string> Rows(string markdown, bool prefixFromHeader)
    {
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        string? prefix = null;
        foreach (var line in markdown.Split('\n'))
        {
            if (!line.StartsWith('|'))
            {
                prefix = null;
                continue;
            }

            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            if (cells.Length >= 3 && cells[0].StartsWith("Key", StringComparison.Ordinal) && cells[1] == "Default")
            {
                prefix = prefixFromHeader && FirstCode().Match(cells[0]) is { Success: true } p ? p.Groups[1].Value : "";
                continue;
            }

            if (prefix is null || cells[0].StartsWith("---", StringComparison.Ordinal) || FirstCode().Match(cells[0]) is not { Success: true } name)
            {
                continue;
            }

            var key = prefix + name.Groups[1].Value;
            Assert.True(rows.TryAdd(key, cells[1]), $"{key} is documented twice in one file");
        }

        return rows;
    }

    private static IEnumerable<string> Leaves(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Name : $"{path}:{p.Name}")),
        JsonValueKind.Array => element.EnumerateArray().SelectMany((e, i) => Leaves(e, $"{path}:{i}")),
        _ => [path],
    };

    [GeneratedRegex("`([^`]*)`")]
    private static partial Regex FirstCode();
}
