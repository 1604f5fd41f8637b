using System.Text.Json;
using Ocm.Protocol.Signatures;
using Ocm.Protocol.Signatures.Messages;
using Ocm.Protocol.Signatures.StructuredFields;
using static Ocm.Protocol.Tests.Signatures.SignatureVectors;

namespace Ocm.Protocol.Tests.Signatures;

/// <summary>Every line of vectors/rfc9421/component-examples.json (RFC 9421 §2 examples).</summary>
public sealed class ComponentExampleTests
{
    private static readonly SignatureBaseOptions Options = SignatureBaseOptions.Default
        .WithStructuredFieldTypes([new("example-dict", StructuredFieldType.Dictionary)]);

    public static TheoryData<int> Examples()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Rfc9421("component-examples.json")));
        return [.. Enumerable.Range(0, doc.RootElement.GetArrayLength())];
    }

    [VectorTheory]
    [MemberData(nameof(Examples))]
    public void ComponentValue_RfcExample_MatchesExpectedBaseLines(int index)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Rfc9421("component-examples.json")));
        var example = doc.RootElement[index];
        var expected = example.GetProperty("expected").GetString()!;
        var note = example.TryGetProperty("note", out var n) ? n.GetString() ?? string.Empty : string.Empty;

        if (example.GetProperty("message").ValueKind == JsonValueKind.Null)
        {
            // RFC 9421 §2.3: an @signature-params value survives parsing and re-serialization unchanged.
            Assert.Equal(expected, StructuredField.ParseList(expected).ToString());
            return;
        }

        var text = example.GetProperty("message").GetString()!;
        if (!text.StartsWith("HTTP/", StringComparison.Ordinal) && !text.Split('\n')[0].Contains(" HTTP/", StringComparison.Ordinal))
        {
            text = "GET / HTTP/1.1\n" + text; // header-only fragments
        }

        var message = HttpMessageParser.Parse(text, note.Contains("no TLS", StringComparison.Ordinal) ? "http" : "https");
        var expectedLines = expected.Split('\n');
        var components = expectedLines.Select(ParseIdentifier).Distinct().ToList();

        var signatureBase = SignatureBase.Create(message, components, new SignatureParameters(), Options);

        Assert.Equal(expectedLines, signatureBase.Text.Split('\n')[..^1]);
    }

    private static ComponentIdentifier ParseIdentifier(string line)
    {
        // The identifier is the structured-field item before the first ": " at which it parses.
        for (var i = line.IndexOf(": ", StringComparison.Ordinal); i >= 0; i = line.IndexOf(": ", i + 1, StringComparison.Ordinal))
        {
            if (StructuredField.TryParseItem(line[..i], out _, out _))
            {
                return ComponentIdentifier.Parse(line[..i]);
            }
        }

        throw new InvalidOperationException($"No component identifier in '{line}'.");
    }
}
