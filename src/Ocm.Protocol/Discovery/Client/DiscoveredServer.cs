namespace Ocm.Protocol.Discovery.Client;

/// <summary>The outcome of a successful discovery.</summary>
public sealed record DiscoveredServer
{
    /// <summary><c>host[:port]</c> that was discovered.</summary>
    public required string Authority { get; init; }

    /// <summary>The URL the document was finally read from.</summary>
    public required Uri DocumentUrl { get; init; }

    /// <summary>The normalized discovery document.</summary>
    public required DiscoveryDocument Document { get; init; }

    /// <summary>Which dialect the peer speaks.</summary>
    public required OcmDialect Dialect { get; init; }

    /// <summary>Spec violations found in the document or in how it was served (human-readable).</summary>
    public required IReadOnlyList<string> Violations { get; init; }

    /// <summary>When it was fetched.</summary>
    public required DateTimeOffset FetchedAt { get; init; }

    /// <summary>True when the document came over plain http (test setups only).</summary>
    public bool Insecure => DocumentUrl.Scheme == Uri.UriSchemeHttp;
}

/// <summary>One URL tried during discovery and what happened.</summary>
public sealed record DiscoveryAttempt(Uri Url, string Outcome);

/// <summary>Discovery failed; <see cref="Exception.Message"/> lists every URL tried and why each failed.</summary>
public sealed class OcmDiscoveryException : Exception
{
    public OcmDiscoveryException(string target, IReadOnlyList<DiscoveryAttempt> attempts)
        : base(Describe(target, attempts))
    {
        Target = target;
        Attempts = attempts;
    }

    public OcmDiscoveryException(string target, string reason)
        : base($"Discovery of '{target}' failed: {reason}")
    {
        Target = target;
        Attempts = [];
    }

    public OcmDiscoveryException()
    {
        Target = "";
        Attempts = [];
    }

    public OcmDiscoveryException(string message)
        : base(message)
    {
        Target = "";
        Attempts = [];
    }

    public OcmDiscoveryException(string message, Exception innerException)
        : base(message, innerException)
    {
        Target = "";
        Attempts = [];
    }

    /// <summary>The host that could not be discovered.</summary>
    public string Target { get; }

    /// <summary>Each URL tried, in order.</summary>
    public IReadOnlyList<DiscoveryAttempt> Attempts { get; }

    private static string Describe(string target, IReadOnlyList<DiscoveryAttempt> attempts) =>
        $"Discovery of '{target}' failed: " + string.Join("; ", attempts.Select(a => $"{a.Url} → {a.Outcome}"));
}
