using Microsoft.EntityFrameworkCore;
using Ocm.Data;
using Ocm.Delivery;
using Ocm.Federation;

namespace Ocm.Ui;

/// <summary>
/// Admin: the other servers — every peer seen (dialect, OCM version, capabilities, last contact, health, circuit
/// breaker) — and the outbox of deliveries to them (pending with "retry now", failed with the reason).
/// </summary>
internal static class AdminFederationPages
{
    private const int MaxRows = 200;

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/peers", PeersAsync);
        admin.MapGet("/outbox", OutboxAsync);
        admin.MapPost("/outbox/{id:long}/retry", RetryAsync);
    }

    private static async Task<IResult> PeersAsync(HttpContext context, OcmDb db, PeerCircuitBreaker breaker, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var peers = await db.Set<Peer>().AsNoTracking().OrderBy(p => p.Host).Take(1000).ToListAsync(cancellationToken);
        var pending = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.State == OutboxState.Pending)
            .GroupBy(m => m.Peer)
            .Select(g => new { Peer = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Peer, g => g.Count, StringComparer.OrdinalIgnoreCase, cancellationToken);
        var circuits = breaker.Snapshot();
        var now = time.GetUtcNow();

        var rows = peers.Select(peer =>
        {
            var healthy = peer.LastDiscovered is { } ok && (peer.LastFailure is not { } failed || ok >= failed);
            var lastContact = new[] { peer.LastDiscovered, peer.LastFailure }.Max();
            var health = healthy
                ? Html.Raw("<span class=\"state accepted\">reachable</span>")
                : Html.Of($"<span class=\"state failed\">failing</span> <span class=\"reason\">{peer.LastError}</span>");
            var circuit = circuits.TryGetValue(peer.Host, out var c)
                ? c.OpenUntil is { } until && until > now
                    ? Html.Of($"<span class=\"state failed\">open</span> until {UiFormat.Time(until)} ({c.Failures} failures)")
                    : Html.Of($"closed ({c.Failures} recent failure{(c.Failures == 1 ? "" : "s")})")
                : Html.Raw("closed");
            var capabilities = Html.Join(peer.Capabilities.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(cap => Html.Of($"<span class=\"tag\">{cap}</span> ")));
            var criteria = Html.Join(peer.Criteria.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(cap => Html.Of($"<span class=\"tag\">{cap}</span> ")));
            return Html.Of($"""
                <tr data-peer="{peer.Host}">
                <td><strong>{peer.Host}</strong><br><span class="muted">{peer.Provider}</span></td>
                <td data-th="Dialect">{peer.Dialect?.ToString() ?? "—"}</td>
                <td data-th="OCM version">{peer.ApiVersion ?? "—"}</td>
                <td data-th="Capabilities">{capabilities}{(criteria.IsEmpty ? Html.Empty : Html.Of($"<br><span class=\"muted\">criteria:</span> {criteria}"))}</td>
                <td data-th="Last contact">{UiFormat.Time(lastContact)}<br><span class="muted">first seen {UiFormat.Date(peer.FirstSeen)}</span></td>
                <td class="health" data-th="Health">{health}</td>
                <td class="circuit" data-th="Circuit breaker">{circuit}</td>
                <td data-th="Pending">{pending.GetValueOrDefault(peer.Host)}</td>
                </tr>
                """);
        }).ToList();

        var table = rows.Count == 0
            ? Html.Raw("<p class=\"empty\" id=\"no-peers\">No other server has been contacted yet.</p>")
            : Html.Of($"""
                <div class="table-wrap"><table id="peers">
                <thead><tr><th scope="col">Server</th><th scope="col">Dialect</th><th scope="col">OCM version</th><th scope="col">Capabilities</th><th scope="col">Last contact</th><th scope="col">Health</th><th scope="col">Circuit breaker</th><th scope="col">Pending</th></tr></thead>
                <tbody>{rows}</tbody></table></div>
                """);
        var body = Html.Of($"""
            <h1>Federation peers</h1>
            <p class="muted">Servers this one discovered or delivered to. The circuit breaker skips a peer for a while after repeated failures, so one dead server never slows the others.</p>
            {table}
            """);
        return ui.Page("Federation peers", body, UiSection.Admin, subNavigation: AdminUsersPages.SubNavigation(ui, "peers"));
    }

    private static async Task<IResult> OutboxAsync(HttpContext context, OcmDb db, PeerCircuitBreaker breaker, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var counts = await db.Set<OutboxMessage>().AsNoTracking()
            .GroupBy(m => m.State)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.State, g => g.Count, cancellationToken);
        var pending = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.State == OutboxState.Pending)
            .OrderBy(m => m.NextAttemptAt)
            .Take(MaxRows)
            .ToListAsync(cancellationToken);
        var failed = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.State == OutboxState.Failed)
            .OrderByDescending(m => m.Id)
            .Take(MaxRows)
            .ToListAsync(cancellationToken);

        Html Row(OutboxMessage m, bool retry)
        {
            var circuitOpen = breaker.IsOpen(m.Peer, out var until)
                ? Html.Of($"<br><span class=\"muted\">circuit open until {UiFormat.Time(until)}</span>")
                : Html.Empty;
            var action = retry
                ? ui.ButtonForm(ui.Urls.Action($"admin/outbox/{m.Id}/retry"), "Retry now", "secondary small retry")
                : Html.Empty;
            return Html.Of($"""
                <tr data-message-id="{m.Id}" data-peer="{m.Peer}">
                <td data-th="#">{m.Id}</td>
                <td data-th="Peer">{m.Peer}{circuitOpen}</td>
                <td data-th="What">{m.Kind.Name()} <span class="muted">→ {m.Endpoint}</span></td>
                <td data-th="Attempts">{m.Attempts}</td>
                <td data-th="Created">{UiFormat.Time(m.Created)}</td>
                <td data-th="Next attempt">{(retry ? UiFormat.Time(m.NextAttemptAt) : Html.Raw("—"))}</td>
                <td class="reason" data-th="Last error">{(m.LastStatus is int status ? status + " " : "")}{m.LastError ?? "—"}</td>
                <td>{action}</td>
                </tr>
                """);
        }

        Html Table(string id, List<OutboxMessage> messages, bool retry, string empty) => messages.Count == 0
            ? Html.Of($"<p class=\"empty\" id=\"{id}-empty\">{empty}</p>")
            : Html.Of($"""
                <div class="table-wrap"><table id="{id}">
                <thead><tr><th scope="col">#</th><th scope="col">Peer</th><th scope="col">What</th><th scope="col">Attempts</th><th scope="col">Created</th><th scope="col">Next attempt</th><th scope="col">Last error</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                <tbody>{messages.Select(m => Row(m, retry))}</tbody></table></div>
                """);

        var body = Html.Of($"""
            <h1>Outbox</h1>
            <p class="muted">Deliveries to other servers (shares, notifications), retried with backoff until they succeed or their deadline passes.
            Delivered: {counts.GetValueOrDefault(OutboxState.Delivered)} · pending: {counts.GetValueOrDefault(OutboxState.Pending)} · failed: {counts.GetValueOrDefault(OutboxState.Failed)}</p>
            <section aria-labelledby="pending-title"><h2 id="pending-title">Pending</h2>
            {Table("outbox-pending", pending, retry: true, "Nothing waiting to be delivered.")}
            </section>
            <section aria-labelledby="failed-title"><h2 id="failed-title">Failed</h2>
            {Table("outbox-failed", failed, retry: false, "No failed deliveries.")}
            </section>
            """);
        return ui.Page("Outbox", body, UiSection.Admin, subNavigation: AdminUsersPages.SubNavigation(ui, "outbox"));
    }

    /// <summary>Makes a pending message due now and wakes the worker (a worker holding it keeps its lease).</summary>
    private static async Task<IResult> RetryAsync(long id, HttpContext context, OcmDb db, OutboxSignal signal, TimeProvider time, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var now = time.GetUtcNow();
        var updated = await db.Set<OutboxMessage>()
            .Where(m => m.Id == id && m.State == OutboxState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), cancellationToken);
        if (updated == 0)
        {
            return ui.Redirect(ui.Urls.Action("admin/outbox"), FlashKind.Error, $"Message {id} is no longer pending.");
        }

        signal.Wake();
        return ui.Redirect(ui.Urls.Action("admin/outbox"), FlashKind.Success, $"Message {id} will be delivered now.");
    }
}
