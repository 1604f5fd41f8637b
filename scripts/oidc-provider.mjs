// A throw-away OpenID Provider for the tests: npm `oidc-provider` (a certified OpenID Connect implementation) on
// loopback. Started and stopped by scripts/oidc-provider.sh, which copies this file beside the package's node_modules
// (the package is an ES module, so it is found only relative to the importing file) and passes the settings in
// environment variables:
//   OP_ISSUER        the issuer URL, e.g. http://127.0.0.1:56901
//   OP_PORT, OP_HOST where to listen (loopback only)
//   OP_CLIENT_ID, OP_CLIENT_SECRET
//   OP_RP_BASES      space-separated base URLs of the relying parties (Ocm servers): each gets
//                    BASE/signin-oidc as redirect URI and BASE/signout-callback-oidc as post-logout redirect URI
//
//   OP_ACCOUNTS_FILE optional JSON file { "LOGIN": { claim: value, … } }, read at every sign-in, whose claims
//                    replace the defaults below (a test changes a user's name or groups at the provider this way)
//
// Accounts: devInteractions' login form accepts any login name (the password is not checked), and the login name is
// the subject (`sub`). How the user authenticated (`acr`, `amr`, OpenID Connect Core 1.0 §2) is a property of the
// sign-in, not of the account: an `acr` string or an `amr` list in the accounts file is applied to the login when it
// finishes, so the ID token carries them (e.g. { "amr": ["pwd", "otp"] } for a provider that asked for a second factor). By default its claims follow from the login name `NAME` or `NAME/USERNAME/GROUP,GROUP`: the
// user name (`preferred_username`) is USERNAME (default NAME), `groups` lists the GROUPs (default none). Every
// account has the entitlement urn:mace:example.org:ocm except those whose login starts with "guest" (to test
// admission rules).
import fs from 'node:fs';
import Provider from 'oidc-provider';

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) {
    console.error(`oidc-provider.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
};

const issuer = env('OP_ISSUER');
const port = Number(env('OP_PORT'));
const host = env('OP_HOST', '127.0.0.1');
const bases = env('OP_RP_BASES').split(/\s+/).filter(Boolean).map((b) => b.replace(/\/+$/, ''));

function overrides(login) {
  const file = process.env.OP_ACCOUNTS_FILE;
  if (!file || !fs.existsSync(file)) {
    return {};
  }
  return JSON.parse(fs.readFileSync(file, 'utf8'))[login] ?? {};
}

function account(login) {
  const [sub, userName, groups] = String(login).split('/');
  // acr and amr belong to the sign-in (applied in interactionFinished below), not to the account's claims.
  const { acr, amr, ...claims } = overrides(login);
  return {
    sub: login,
    preferred_username: userName || sub,
    name: `${userName || sub} (test provider)`,
    email: `${userName || sub}@example.org`,
    email_verified: true,
    groups: groups ? groups.split(',').filter(Boolean) : [],
    eduperson_entitlement: sub.startsWith('guest') ? [] : ['urn:mace:example.org:ocm'],
    ...claims,
  };
}

const configuration = {
  clients: [{
    client_id: env('OP_CLIENT_ID'),
    client_secret: env('OP_CLIENT_SECRET'),
    redirect_uris: bases.map((b) => `${b}/signin-oidc`),
    post_logout_redirect_uris: bases.map((b) => `${b}/signout-callback-oidc`),
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  claims: {
    // acr and amr reach the ID token only as claims of a granted scope: those of the sign-in (see interactionFinished).
    openid: ['sub', 'acr', 'amr'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
    entitlements: ['eduperson_entitlement'],
  },
  // The claims go into the ID token as well as the userinfo response.
  conformIdTokenClaims: false,
  // The Ocm client is first-party: no consent screen (a campus provider does not ask either).
  loadExistingGrant: async (ctx) => {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email groups entitlements');
    grant.addOIDCClaims(['preferred_username', 'name', 'email', 'groups', 'eduperson_entitlement']);
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => account(id),
  }),
  cookies: { keys: ['ocm-test-provider-cookie-key'] },
  ttl: { AuthorizationCode: 120, IdToken: 600, AccessToken: 600, Session: 3600, Interaction: 600, Grant: 3600 },
};

const provider = new Provider(issuer, configuration);

// devInteractions finish a login with the account id only; add the test's acr/amr to it, as a real login page would
// after checking a second factor.
const finish = provider.interactionFinished.bind(provider);
provider.interactionFinished = async (req, res, result, options) => {
  if (result?.login) {
    const { acr, amr } = overrides(result.login.accountId);
    if (typeof acr === 'string') {
      result.login.acr = acr;
    }
    if (Array.isArray(amr)) {
      result.login.amr = amr;
    }
  }
  return finish(req, res, result, options);
};
provider.listen(port, host, () => console.log(`oidc-provider listening on ${issuer}`));
