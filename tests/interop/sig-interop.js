#!/usr/bin/env node
// Independent HTTP-signature peer for the cross-implementation tests
// (tests/Ocm.Protocol.Tests/Signatures/CrossImplementationTests.cs).
//
// Reads one JSON job or an array of jobs on stdin and writes the results as JSON on stdout. Uses only the npm
// packages installed by tests/interop/install.sh and Node's own crypto:
//   http-message-signatures@1.0.6 (RFC 9421 "httpbis" module and its draft-cavage module)
//   http-signature@1.4.0 (joyent, draft-cavage)
// Run with NODE_PATH=<dir>/node_modules.
'use strict';
const crypto = require('crypto');
const hms = require('http-message-signatures');
const httpSignature = require('http-signature');

function toMessage(m) {
  if (!m) return undefined;
  return m.status !== undefined && m.status !== null
    ? { status: m.status, headers: { ...m.headers } }
    : { method: m.method, url: m.url, headers: { ...m.headers } };
}

function paramValues(values) {
  const out = {};
  for (const [k, v] of Object.entries(values || {})) {
    out[k] = (k === 'created' || k === 'expires') ? new Date(v * 1000) : v;
  }
  return out;
}

const ops = {
  // RFC 9421 verification with http-message-signatures; the algorithm comes from the job (the key's metadata).
  async verify9421(job) {
    const key = crypto.createPublicKey(job.publicKeyPem);
    const config = {
      tolerance: job.tolerance ?? 60,
      maxAge: job.maxAge ?? 300,
      requiredParams: job.requiredParams ?? [],
      requiredFields: job.requiredFields ?? [],
      keyLookup: async (params) => ({ id: params.keyid, algs: [job.alg], verify: hms.createVerifier(key, job.alg) }),
    };
    const result = await hms.httpbis.verifyMessage(config, toMessage(job.message), toMessage(job.request));
    return { verified: result === true, result };
  },

  // RFC 9421 signing with http-message-signatures.
  async sign9421(job) {
    const key = crypto.createPrivateKey(job.privateKeyPem);
    const signed = await hms.httpbis.signMessage({
      key: hms.createSigner(key, job.alg, job.keyid),
      name: job.label,
      fields: job.fields,
      params: job.params,
      paramValues: paramValues(job.paramValues),
    }, toMessage(job.message), toMessage(job.request));
    return { signatureInput: signed.headers['Signature-Input'], signature: signed.headers['Signature'] };
  },

  // Digests computed with Node's crypto, for messages Node signs.
  async digest(job) {
    const body = Buffer.from(job.bodyB64, 'base64');
    const b64 = (alg) => crypto.createHash(alg).update(body).digest('base64');
    return {
      contentDigestSha256: `sha-256=:${b64('sha256')}:`,
      contentDigestSha512: `sha-512=:${b64('sha512')}:`,
      legacySha256: `SHA-256=${b64('sha256')}`,
      legacySha512: `SHA-512=${b64('sha512')}`,
    };
  },

  // draft-cavage verification with joyent http-signature (rsa-sha256, rsa-sha512).
  async verifyCavageJoyent(job) {
    const request = { method: job.method, url: job.path, httpVersion: '1.1', headers: lower(job.headers) };
    const parsed = httpSignature.parseRequest(request, { clockSkew: job.clockSkew ?? 300, headers: job.requiredHeaders });
    return { verified: httpSignature.verifySignature(parsed, job.publicKeyPem) === true, signingString: parsed.signingString, algorithm: parsed.algorithm };
  },

  // draft-cavage signing with joyent http-signature.
  async signCavageJoyent(job) {
    const headers = lower(job.headers);
    const request = {
      method: job.method,
      path: job.path,
      getHeader: (n) => headers[n.toLowerCase()],
      setHeader: (n, v) => { headers[n.toLowerCase()] = v; },
    };
    httpSignature.signRequest(request, {
      keyId: job.keyId,
      key: job.privateKeyPem,
      algorithm: job.algorithm,
      headers: job.signedHeaders,
      authorizationHeaderName: job.headerName ?? 'Authorization',
    });
    return { headers };
  },

  // draft-cavage hs2019 (RSASSA-PSS SHA-512) with the cavage module of http-message-signatures.
  async signCavageHs2019(job) {
    const key = crypto.createPrivateKey(job.privateKeyPem);
    const signed = await hms.cavage.signMessage({
      key: hms.createSigner(key, 'rsa-pss-sha512', job.keyId),
      fields: job.fields,
      params: job.params,
      paramValues: paramValues(job.paramValues),
    }, toMessage(job.message));
    return { signature: signed.headers['Signature'] };
  },

  async verifyCavageHs2019(job) {
    const key = crypto.createPublicKey(job.publicKeyPem);
    const result = await hms.cavage.verifyMessage({
      tolerance: 60,
      keyLookup: async (params) => (params.alg === 'rsa-pss-sha512' ? { id: params.keyid, algs: ['rsa-pss-sha512'], verify: hms.createVerifier(key, 'rsa-pss-sha512') } : null),
    }, toMessage(job.message));
    return { verified: result === true, result };
  },
};

function lower(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers || {})) out[k.toLowerCase()] = v;
  return out;
}

async function run(job) {
  const op = ops[job.op];
  if (!op) return { error: `unknown op ${job.op}` };
  try {
    return await op(job);
  } catch (e) {
    return { error: `${e.name}: ${e.message}` };
  }
}

(async () => {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const jobs = JSON.parse(input);
  const results = Array.isArray(jobs) ? await Promise.all(jobs.map(run)) : await run(jobs);
  process.stdout.write(JSON.stringify(results));
})().catch((e) => { console.error(e); process.exitCode = 1; });
