using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Ocm.Files;

/// <summary>
/// An EF compiled query for every request's hot lookups, compiled once per model: EF binds a compiled query to the
/// model it first ran with, and the SQLite and PostgreSQL models differ (both live in one test process).
/// </summary>
internal sealed class CompiledQuery<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConcurrentDictionary<IModel, TQuery> _byModel = new();

    public TQuery For(DbContext db) => _byModel.GetOrAdd(db.Model, _ => compile());
}
