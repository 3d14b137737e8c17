// A relying party (npm `openid-client`): authorization code flow with PKCE, `acr_values` from the
// link the user followed, and the check a relying party owes its users: the ID token's `acr` must
// be one it asked for (OIDC treats `acr_values` as a wish; the provider may authenticate less).
//
//   GET /login?acr=phr   → redirect to the provider's authorization endpoint
//   GET /callback        → code for tokens (openid-client verifies the ID token: signature, iss,
//                          aud, nonce, PKCE), then the acr check; the page shows the claims
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import * as client from 'openid-client';

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);

/** The client metadata the provider must know (see startRp). */
export function clientMetadata(rpOrigin, secret) {
  return {
    client_id: 'example-rp',
    client_secret: secret,
    redirect_uris: [`${rpOrigin}/callback`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
}

/** Listens first (the provider needs the redirect URI), discovers the issuer on `connect`. */
export async function startRp({ port = 0, secret = randomBytes(24).toString('base64url') } = {}) {
  const server = createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const origin = `http://localhost:${server.address().port}`;
  const metadata = clientMetadata(origin, secret);
  const pending = new Map(); // transaction id (cookie) -> { verifier, state, nonce, acr }
  const results = []; // every completed sign-in: { acr requested, claims, ok }
  let config = null;

  async function connect(issuer) {
    // Plain http on loopback only: openid-client refuses it unless told.
    config = await client.discovery(new URL(issuer), metadata.client_id, metadata.client_secret, client.ClientSecretBasic(secret), {
      execute: [client.allowInsecureRequests],
    });
  }

  server.on('request', async (req, res) => {
    const url = new URL(req.url, origin);
    try {
      if (url.pathname === '/') return page(res, 200, 'factorgate example app', `<h1>Example app</h1>
<p><a id="login-phr" href="/login?acr=phr">Sign in with a phishing-resistant factor (<code>phr</code>)</a></p>
<p><a id="login-2fa" href="/login?acr=urn:okta:loa:2fa:any">Sign in with any second factor (<code>urn:okta:loa:2fa:any</code>)</a></p>`);

      if (url.pathname === '/login') {
        const acr = url.searchParams.get('acr') ?? 'phr';
        const verifier = client.randomPKCECodeVerifier();
        const tx = { verifier, state: client.randomState(), nonce: client.randomNonce(), acr: acr.split(' ') };
        const id = randomBytes(16).toString('base64url');
        pending.set(id, tx);
        const target = client.buildAuthorizationUrl(config, {
          redirect_uri: metadata.redirect_uris[0],
          scope: 'openid profile',
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state: tx.state,
          nonce: tx.nonce,
          acr_values: acr,
        });
        res.writeHead(303, { Location: target.href, 'Set-Cookie': `rp_tx=${id}; Path=/; HttpOnly; SameSite=Lax` });
        return res.end();
      }

      if (url.pathname === '/callback') {
        const id = /(?:^|;\s*)rp_tx=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const tx = id && pending.get(id);
        if (!tx) return page(res, 400, 'Error', '<h1>No sign-in in progress</h1>');
        pending.delete(id);
        if (url.searchParams.has('error')) {
          const error = { error: url.searchParams.get('error'), description: url.searchParams.get('error_description') };
          results.push({ requested: tx.acr, error });
          return page(res, 200, 'Sign-in refused', `<h1>Sign-in refused by the provider</h1>
<p id="verdict" data-ok="false">${esc(error.error)}: ${esc(error.description)}</p>`);
        }
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: tx.verifier, expectedState: tx.state, expectedNonce: tx.nonce, idTokenExpected: true,
        });
        const claims = tokens.claims();
        // The relying party's own check: the session must have proved what was asked.
        const ok = tx.acr.includes(claims.acr);
        results.push({ requested: tx.acr, claims, ok });
        return page(res, 200, ok ? 'Signed in' : 'Not enough assurance', `<h1>${ok ? `Signed in as ${esc(claims.sub)}` : 'Not enough assurance'}</h1>
<p id="verdict" data-ok="${ok}">${ok
  ? `The ID token says <code>acr=${esc(claims.acr)}</code>, as requested.`
  : `Asked for <code>${esc(tx.acr.join(' '))}</code>; the ID token says <code>acr=${esc(claims.acr ?? '(none)')}</code>. Access refused.`}</p>
<p>amr: <code id="amr">${esc((claims.amr ?? []).join(' '))}</code></p>
<pre id="claims">${esc(JSON.stringify(claims, null, 2))}</pre>`);
      }
      return page(res, 404, 'Not found', '<h1>Not found</h1>');
    } catch (e) {
      results.push({ failure: String(e) });
      return page(res, 500, 'Error', `<h1>Error</h1><pre id="failure">${esc(e.stack ?? e)}</pre>`);
    }
  });

  return {
    origin,
    metadata,
    results,
    connect,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}

function page(res, status, title, body) {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><link rel="icon" href="data:,">
<style>body { font: 15px/1.45 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; color: #1d2330; }
pre { background: #f4f5f7; padding: .8rem; border-radius: 6px; } code { background: #eef1f6; padding: 0 .25rem; }</style>
</head><body>${body}</body></html>`);
}
