using System.Globalization;
using System.Text;

namespace Ocm.Hosting;

/// <summary>
/// The one way a command prints a listing for people: a header line of upper-case column names and one line per row,
/// every column as wide as its widest cell, two spaces between columns, numbers right-aligned. Empty cells show
/// <c>-</c>; control characters (a newline in a label, an escape sequence in a name a remote server sent) show
/// <c>?</c>, so a cell can neither break the table nor drive the terminal. Scripts use <c>--json</c> instead.
/// </summary>
internal sealed class ConsoleTable
{
    private readonly Column[] _columns;
    private readonly List<string[]> _rows = [];

    public ConsoleTable(params Column[] columns) => _columns = columns;

    public int Count => _rows.Count;

    /// <summary>A left-aligned column.</summary>
    public static Column Left(string header) => new(header, RightAligned: false);

    /// <summary>A right-aligned column (numbers, sizes).</summary>
    public static Column Right(string header) => new(header, RightAligned: true);

    public ConsoleTable Add(params object?[] cells)
    {
        if (cells.Length != _columns.Length)
        {
            throw new ArgumentException($"{cells.Length} cells for {_columns.Length} columns.", nameof(cells));
        }

        _rows.Add(cells.Select(Cell).ToArray());
        return this;
    }

    /// <summary>Writes the table, or <paramref name="empty"/> alone when there are no rows.</summary>
    public void WriteTo(TextWriter writer, string empty)
    {
        if (_rows.Count == 0)
        {
            writer.WriteLine(empty);
            return;
        }

        var widths = _columns.Select((c, i) => _rows.Select(r => r[i].Length).Append(c.Header.Length).Max()).ToArray();
        var line = new StringBuilder();
        foreach (var row in _rows.Prepend(_columns.Select(c => c.Header).ToArray()))
        {
            line.Clear();
            for (var i = 0; i < _columns.Length; i++)
            {
                if (i > 0)
                {
                    line.Append("  ");
                }

                line.Append(_columns[i].RightAligned ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i]));
            }

            writer.WriteLine(line.ToString().TrimEnd());
        }
    }

    public void Write(string empty) => WriteTo(Console.Out, empty);

    private static string Cell(object? value)
    {
        var text = value switch
        {
            null => "",
            DateTimeOffset time => CommandTime.Format(time),
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        if (text.Length == 0)
        {
            return "-";
        }

        return text.Any(char.IsControl) ? new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray()) : text;
    }

    public sealed record Column(string Header, bool RightAligned);
}

/// <summary>
/// Every time a command prints for people: UTC, to the minute, with the zone written out (<c>2026-12-07 14:03 UTC</c>),
/// so that no reader has to guess whether it is the server's local time. <c>--json</c> keeps the API's ISO 8601 form.
/// </summary>
internal static class CommandTime
{
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " UTC";

    public static string Format(DateTimeOffset? time) => time is { } value ? Format(value) : "-";

    /// <summary>Seconds since the Unix epoch (how the share API gives expiry), or "never" when there is none.</summary>
    public static string FromUnixSeconds(long? seconds) => seconds is { } value and > 0
        ? Format(DateTimeOffset.FromUnixTimeSeconds(Math.Min(value, Ocm.Protocol.Validation.UnixTime.MaxSeconds)))
        : "never";
}
