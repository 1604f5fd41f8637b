using System.CommandLine;
using System.Text.RegularExpressions;
using Ocm.Hosting;
using Ocm.Tests.Infrastructure;

namespace Ocm.Tests.Hosting;

/// <summary>
/// The README's "Command line" section against the command tree itself (<see cref="OcmCommandLine.Create"/>) and the
/// real executable's <c>ocm --help</c>: a command or an option added without documentation, or documentation left
/// behind by a removed one, fails here.
/// </summary>
public sealed partial class DocumentingTheCommandLine
{
    private static readonly string[] HelpOptions = ["--help", "-h", "-?", "--version"];

    [Fact]
    public void Readme_ListsEveryCommandWithExactlyItsArgumentsAndOptions()
    {
        var documented = ReadmeCommands();
        var actual = LeafCommands(OcmCommandLine.Create(), []).ToDictionary(c => c.Path, c => c.Command);

        Assert.Empty(actual.Keys.Except(documented.Keys).Select(p => $"ocm {p} is not in the README's command-line section"));
        Assert.Empty(documented.Keys.Except(actual.Keys).Select(p => $"the README lists 'ocm {p}', which does not exist"));
        foreach (var (path, command) in actual)
        {
            var line = documented[path];
            var arguments = command.Arguments.Where(a => !a.Hidden).Select(a => a.Name.ToUpperInvariant()).ToList();
            Assert.True(arguments.SequenceEqual(line.Arguments),
                $"ocm {path}: arguments {string.Join(' ', arguments)} in the code, {string.Join(' ', line.Arguments)} in the README");

            var options = command.Options.Where(o => !o.Hidden && !HelpOptions.Contains(o.Name)).ToList();
            var missing = options.Where(o => !line.Options.Contains(o.Name) && !o.Aliases.Any(line.Options.Contains)).Select(o => o.Name);
            Assert.Empty(missing.Select(o => $"ocm {path}: option {o} is not in the README"));
            var names = options.SelectMany(o => o.Aliases.Append(o.Name)).ToHashSet();
            Assert.Empty(line.Options.Where(o => !names.Contains(o)).Select(o => $"ocm {path}: the README names option {o}, which it does not have"));
        }
    }

    [Fact]
    public async Task HelpOfTheExecutable_ListsTheCommandsTheReadmeDocuments()
    {
        var (exit, stdout, stderr) = await OcmProcess.RunAsync(["--help"]);

        Assert.True(exit == 0, stderr);
        var commands = stdout[stdout.IndexOf("Commands:", StringComparison.Ordinal)..]
            .Split('\n').Skip(1).Select(l => HelpCommandLine().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value).ToHashSet();
        var documented = ReadmeCommands().Keys.Select(p => p.Split(' ')[0]).ToHashSet();
        Assert.Equal(documented.Order(), commands.Order());
    }

    [Fact]
    public void EveryDefault_IsShownOnce()
    {
        // System.CommandLine prints "[default: …]" for an option with a default value (except on/off switches); its
        // description must not say it again.
        var repeated = AllOptions(OcmCommandLine.Create())
            .Where(o => o.HasDefaultValue && o.ValueType != typeof(bool) && (o.Description ?? "").Contains("default", StringComparison.OrdinalIgnoreCase))
            .Select(o => $"{o.Name}: \"{o.Description}\"");

        Assert.Empty(repeated);
    }

    [Fact]
    public void EveryOptionAndArgument_IsDescribed()
    {
        var root = OcmCommandLine.Create();
        var undescribed = AllOptions(root).Where(o => !HelpOptions.Contains(o.Name) && string.IsNullOrWhiteSpace(o.Description)).Select(o => o.Name)
            .Concat(LeafCommands(root, []).SelectMany(c => c.Command.Arguments.Where(a => string.IsNullOrWhiteSpace(a.Description)).Select(a => $"ocm {c.Path} {a.Name}")));

        Assert.Empty(undescribed);
    }

    private static IEnumerable<(string Path, Command Command)> LeafCommands(Command command, string[] path)
    {
        foreach (var sub in command.Subcommands)
        {
            string[] subPath = [.. path, sub.Name];
            if (sub.Subcommands.Count == 0)
            {
                yield return (string.Join(' ', subPath), sub);
            }

            foreach (var leaf in LeafCommands(sub, subPath))
            {
                yield return leaf;
            }
        }
    }

    private static IEnumerable<Option> AllOptions(Command command) =>
        command.Options.Concat(command.Subcommands.SelectMany(AllOptions));

    /// <summary>
    /// Reads the <c>text</c> block of the README's "Command line" section: a line <c>ocm WORDS… ARGUMENTS [OPTIONS]</c>
    /// per command (upper-case words are arguments, or values after an option), indented description lines, and
    /// <c>where NAME = …</c> / <c>NAME = …</c> lines defining option groups used by name.
    /// </summary>
    private static Dictionary<string, ReadmeCommand> ReadmeCommands()
    {
        var readme = File.ReadAllText(Path.Combine(OcmProcess.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("\n## Command line\n", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        var block = section[(section.IndexOf("```text\n", StringComparison.Ordinal) + 8)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        var lines = block.Split('\n');

        var groups = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var definition = GroupDefinition().Match(line);
            if (definition.Success)
            {
                groups[definition.Groups["name"].Value] = Tokens(definition.Groups["value"].Value);
            }
        }

        Assert.NotEmpty(groups);
        var commands = new Dictionary<string, ReadmeCommand>(StringComparer.Ordinal);
        foreach (var line in lines.Where(l => l.StartsWith("ocm ", StringComparison.Ordinal)))
        {
            var tokens = Tokens(line).Skip(1).SelectMany(t => groups.TryGetValue(t.Trim('[', ']'), out var group) ? group : [t]).ToList();
            var path = tokens.TakeWhile(t => CommandWord().IsMatch(t)).ToList();
            var arguments = new List<string>();
            var options = new List<string>();
            var previousWasOption = false;
            foreach (var token in tokens.Skip(path.Count))
            {
                var bare = token.Trim('[', ']', '…', ',');
                if (bare.StartsWith('-'))
                {
                    options.AddRange(bare.Split('|'));
                    previousWasOption = true;
                    continue;
                }

                if (!previousWasOption && ArgumentWord().IsMatch(bare))
                {
                    arguments.Add(bare);
                }

                previousWasOption = false;
            }

            if (path.Count > 0)
            {
                Assert.True(commands.TryAdd(string.Join(' ', path), new ReadmeCommand(arguments, options)), $"'ocm {string.Join(' ', path)}' is listed twice");
            }
        }

        return commands;
    }

    private static string[] Tokens(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private sealed record ReadmeCommand(List<string> Arguments, List<string> Options);

    [GeneratedRegex(@"^\s*(where\s+)?(?<name>[A-Z]+)\s+=\s+(?<value>.+)$")]
    private static partial Regex GroupDefinition();

    [GeneratedRegex(@"^[a-z][a-z-]*$")]
    private static partial Regex CommandWord();

    [GeneratedRegex(@"^[A-Z][A-Z0-9-]*$")]
    private static partial Regex ArgumentWord();

    [GeneratedRegex(@"^\s{2}(?<name>[a-z][a-z-]*)\s")]
    private static partial Regex HelpCommandLine();
}
