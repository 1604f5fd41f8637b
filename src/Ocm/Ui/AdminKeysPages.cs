using Ocm.Delivery;
using Ocm.Federation;
using Ocm.Protocol.Signatures.Keys;
using Ocm.Signatures;
using Ocm.Trust;

namespace Ocm.Ui;

/// <summary>
/// Admin: the server's signing keys (list, add, activate, retire — the rotation of <see cref="ServerKeyStore"/>) and
/// the effective trust and security settings, read-only (they come from configuration).
/// </summary>
internal static class AdminKeysPages
{
    /// <summary>What an operator may add: asymmetric algorithms with an RFC 9421 name (peers must verify them).</summary>
    private static readonly HttpSignatureAlgorithm[] Addable =
        [HttpSignatureAlgorithm.Ed25519, HttpSignatureAlgorithm.EcdsaP256Sha256, HttpSignatureAlgorithm.EcdsaP384Sha384, HttpSignatureAlgorithm.RsaPssSha512];

    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/keys", KeysAsync);
        admin.MapPost("/keys", AddAsync);
        admin.MapPost("/keys/activate", ActivateAsync);
        admin.MapPost("/keys/retire", RetireAsync);
        admin.MapGet("/trust", TrustAsync);
    }

    private static Task<IResult> KeysAsync(HttpContext context, ServerKeyStore keys, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var rows = keys.List().Select(key =>
        {
            var actions = new List<Html>();
            if (key.Purpose == ServerKeyStore.PurposeRfc9421 && key.State == ServerKeyState.Pending)
            {
                actions.Add(ui.ButtonForm(ui.Urls.Action("admin/keys/activate"), "Activate", "small activate",
                    $"Sign with {key.KeyId} from now on? The active key is retired (still published for a while).", ("keyId", key.KeyId)));
                actions.Add(ui.ButtonForm(ui.Urls.Action("admin/keys/retire"), "Retire", "secondary small retire", null, ("keyId", key.KeyId)));
            }

            var state = key.State switch
            {
                ServerKeyState.Active => "accepted",
                ServerKeyState.Pending => "pending",
                _ => "declined",
            };
            return Html.Of($"""
                <tr data-key-id="{key.KeyId}">
                <td><code>{key.KeyId}</code><br><span class="muted">published as <code>{keys.PublishedKeyId(key)}</code></span></td>
                <td data-th="Algorithm">{key.Algorithm}</td>
                <td data-th="Used for">{(key.Purpose == ServerKeyStore.PurposeCavage ? "draft-cavage (legacy publicKey)" : "RFC 9421 (JWKS)")}</td>
                <td data-th="State"><span class="state {state}">{key.State.ToString().ToLowerInvariant()}</span></td>
                <td data-th="Created">{UiFormat.Time(key.Created)}</td>
                <td data-th="Activated">{UiFormat.Time(key.Activated)}</td>
                <td data-th="Retired">{UiFormat.Time(key.Retired)}</td>
                <td>{actions}</td>
                </tr>
                """);
        });
        var options = Html.Join(Addable.Select(a => Html.Of($"<option value=\"{a.GetRfc9421Name()}\">{a.GetRfc9421Name()}</option>")));
        var addFields = Html.Of($"""
            <label for="algorithm">Algorithm</label>
            <select id="algorithm" name="algorithm">{options}</select>
            <button type="submit" id="add-key">Add pending key</button>
            """);
        var body = Html.Of($"""
            <h1>Signing keys</h1>
            <p class="muted">Requests to other servers are signed (RFC 9421) with the active key; peers fetch the public keys from
            <code>{ui.Server.Url("ocm/jwks").AbsoluteUri}</code>. To rotate: add a key (published as pending, so peers can learn it), wait a few minutes, activate it.
            The previous key is retired and stays published for {(int)ServerKeyStore.RetiredKeyGrace.TotalMinutes} minutes.</p>
            <div class="table-wrap"><table id="keys">
            <thead><tr><th scope="col">Key</th><th scope="col">Algorithm</th><th scope="col">Used for</th><th scope="col">State</th><th scope="col">Created</th><th scope="col">Activated</th><th scope="col">Retired</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>{rows}</tbody></table></div>
            <section aria-labelledby="add-key-title"><h2 id="add-key-title">Add a key</h2>
            {ui.Form(ui.Urls.Action("admin/keys"), addFields, "stack narrow", id: "key-form")}
            </section>
            """);
        return Task.FromResult(ui.Page("Signing keys", body, UiSection.Admin, subNavigation: AdminUsersPages.SubNavigation(ui, "keys")));
    }

    private static async Task<IResult> AddAsync(HttpContext context, ServerKeyStore keys, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var name = form["algorithm"].ToString();
        var algorithm = Addable.Where(a => a.GetRfc9421Name() == name).Select(a => (HttpSignatureAlgorithm?)a).FirstOrDefault();
        if (algorithm is null)
        {
            return ui.Redirect(ui.Urls.Action("admin/keys"), FlashKind.Error, $"“{name}” is not an algorithm keys can be added for.");
        }

        var key = await keys.AddAsync(algorithm.Value, cancellationToken);
        return ui.Redirect(ui.Urls.Action("admin/keys"), FlashKind.Success, $"Key {key.KeyId} added as pending; activate it once peers had time to see it.");
    }

    private static async Task<IResult> ActivateAsync(HttpContext context, ServerKeyStore keys, CancellationToken cancellationToken) =>
        await ChangeAsync(context, keys, (store, keyId) => store.ActivateAsync(keyId, cancellationToken), "is now the active signing key", cancellationToken);

    private static async Task<IResult> RetireAsync(HttpContext context, ServerKeyStore keys, CancellationToken cancellationToken) =>
        await ChangeAsync(context, keys, (store, keyId) => store.RetireAsync(keyId, cancellationToken), "is retired", cancellationToken);

    private static async Task<IResult> ChangeAsync(
        HttpContext context, ServerKeyStore keys, Func<ServerKeyStore, string, Task<ServerKeyInfo>> change, string done, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        var form = await context.Request.ReadFormAsync(cancellationToken);
        var keyId = form["keyId"].ToString();
        try
        {
            await change(keys, keyId);
        }
        catch (Exception ex) when (ex is ServerKeyException or KeyNotFoundException or InvalidOperationException or IOException)
        {
            return ui.Redirect(ui.Urls.Action("admin/keys"), FlashKind.Error, ex.Message);
        }

        return ui.Redirect(ui.Urls.Action("admin/keys"), FlashKind.Success, $"Key {keyId} {done}.");
    }

    private static Task<IResult> TrustAsync(
        HttpContext context, TrustOptions trust, SecurityOptions security, FederationOptions federation, OutboxOptions delivery, CancellationToken cancellationToken)
    {
        var ui = UiRequest.For(context);
        static Html List(string[] values, string none) => values.Length == 0
            ? Html.Of($"<span class=\"muted\">{none}</span>")
            : Html.Join(values.Select(v => Html.Of($"<span class=\"tag\">{v}</span> ")));
        static Html YesNo(bool value) => value ? Html.Raw("<strong>yes</strong>") : Html.Raw("no");

        var body = Html.Of($"""
            <h1>Trust policy</h1>
            <p class="muted">The settings in effect, from <code>ocm.json</code> in the data directory, <code>OCM_…</code> environment variables and flags. Change them there and restart.</p>
            <section aria-labelledby="peers-title"><h2 id="peers-title">Which servers</h2>
            <dl class="details" id="trust-settings">
            <dt>Allowlist <code>Ocm:Trust:Allowlist</code></dt><dd>{List(trust.Allowlist, "empty: every server not denied may federate")}</dd>
            <dt>Denylist <code>Ocm:Trust:Denylist</code></dt><dd>{List(trust.Denylist, "empty")}</dd>
            <dt>Shares only from contacts <code>Ocm:Trust:MustInvite</code></dt><dd>{YesNo(trust.MustInvite)}</dd>
            <dt>Accept shares without asking from <code>Ocm:Trust:AutoAcceptFrom</code></dt><dd>{List(trust.AutoAcceptFrom, "nobody: recipients decide")}</dd>
            </dl></section>
            <section aria-labelledby="security-title"><h2 id="security-title">Request security</h2>
            <dl class="details">
            <dt>Require signed requests <code>Ocm:Security:RequireSignatures</code></dt><dd>{YesNo(security.RequireSignatures)}</dd>
            <dt>Always sign outgoing requests <code>Ocm:Security:AlwaysSign</code></dt><dd>{YesNo(security.AlwaysSign)}</dd>
            <dt>Require token exchange <code>Ocm:Security:RequireTokenExchange</code></dt><dd>{YesNo(security.RequireTokenExchange)}</dd>
            <dt>Signature freshness</dt><dd>at most {security.MaxAgeSeconds} s old, {security.MaxFutureSkewSeconds} s in the future</dd>
            </dl></section>
            <section aria-labelledby="network-title"><h2 id="network-title">Network</h2>
            <dl class="details">
            <dt>Insecure peers allowed (http, private addresses) <code>Ocm:Federation:AllowInsecurePeers</code></dt><dd>{YesNo(federation.AllowInsecurePeers)}</dd>
            <dt>Insecure peers allow-listed <code>Ocm:Federation:InsecurePeers</code></dt><dd>{List(federation.InsecurePeers, "none")}</dd>
            <dt>Discovery</dt><dd>timeout {federation.DiscoveryTimeoutSeconds} s, cached {federation.DiscoveryCacheSeconds} s, failures remembered {federation.DiscoveryNegativeCacheSeconds} s</dd>
            <dt>Delivery</dt><dd>retried for up to {TimeSpan.FromSeconds(delivery.DeadlineSeconds).TotalHours} h; circuit opens after {delivery.CircuitBreakerThreshold} failures for {delivery.CircuitBreakSeconds} s (doubling)</dd>
            </dl></section>
            """);
        return Task.FromResult(ui.Page("Trust policy", body, UiSection.Admin, subNavigation: AdminUsersPages.SubNavigation(ui, "trust")));
    }
}
