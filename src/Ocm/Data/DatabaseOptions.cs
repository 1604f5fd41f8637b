namespace Ocm.Data;

/// <summary>Section <c>Ocm:Database</c>.</summary>
internal sealed record DatabaseOptions
{
    public const string Section = "Ocm:Database";

    /// <summary><c>sqlite</c> (default) or <c>postgres</c>.</summary>
    public string Provider { get; init; } = "sqlite";

    /// <summary>
    /// Connection string. For SQLite the default is <c>Data Source={DataDir}/ocm.db</c>; for PostgreSQL it is
    /// required (e.g. <c>Host=127.0.0.1;Port=5432;Username=ocm;Password=…;Database=ocm</c>).
    /// </summary>
    public string? ConnectionString { get; init; }

    public IEnumerable<string> Validate()
    {
        if (IsPostgres && string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return "Ocm:Database:Provider is 'postgres' but Ocm:Database:ConnectionString is empty (set OCM_DATABASE__CONNECTIONSTRING).";
        }
        else if (!IsPostgres && !string.Equals(Provider, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"Ocm:Database:Provider '{Provider}' is not supported; use 'sqlite' or 'postgres'.";
        }
    }

    public bool IsPostgres => string.Equals(Provider, "postgres", StringComparison.OrdinalIgnoreCase)
        || string.Equals(Provider, "postgresql", StringComparison.OrdinalIgnoreCase);
}
