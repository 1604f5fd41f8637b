using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Ocm.Data;

/// <summary>Stores a <see cref="DateTimeOffset"/> as UTC ticks so SQLite can sort and compare it.</summary>
internal sealed class DateTimeOffsetTicksConverter()
    : ValueConverter<DateTimeOffset, long>(
        v => v.UtcTicks,
        v => new DateTimeOffset(v, TimeSpan.Zero));

/// <summary>Normalises a <see cref="DateTimeOffset"/> to UTC before PostgreSQL stores it as <c>timestamptz</c>.</summary>
internal sealed class DateTimeOffsetUtcConverter()
    : ValueConverter<DateTimeOffset, DateTimeOffset>(
        v => v.ToUniversalTime(),
        v => v);
