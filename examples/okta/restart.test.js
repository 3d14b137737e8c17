'use strict';
// The Okta service as a process (node service.js, its own SQLite file), killed with SIGKILL after
// acknowledging a delivery and started again: every acknowledged event is processed after the
// restart, and Okta's redelivery of the same batch is processed once (dedupe by event uuid, kept
// in the database across the restart). Also: the process refuses to start without hook
// authentication. Through the built package; servers on 127.0.0.1 only, stopped at the end.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { test, after } = require('node:test');

const SECRET = 'Basic b2t0YTpob29rLXNlY3JldA==';
const SERVICE = path.join(__dirname, 'service.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'factorgate-okta-'));
const children = new Set();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function fakeOkta(answer) {
  const calls = [];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    answer(req, res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, calls, url: `http://127.0.0.1:${server.address().port}` })));
}
const rateLimited = (_req, res) => res.writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' }).end('{"errorCode":"E0000047"}');
const directory = (req, res) => {
  const url = new URL(req.url, 'http://okta');
  const m = url.pathname.match(/^\/api\/v1\/users\/([^/]+)(?:\/(factors|roles))?$/);
  if (!m) return res.writeHead(req.method === 'DELETE' ? 204 : 404).end();
  const body = m[2] === 'factors'
    ? [{ id: 'ost1dana', factorType: 'token:software:totp', provider: 'GOOGLE', status: 'ACTIVE', created: '2024-02-02T09:05:00.000Z' }, { id: 'mbl1dana', factorType: 'sms', provider: 'OKTA', status: 'ACTIVE', created: '2026-11-30T09:00:00.000Z' }]
    : m[2] === 'roles' ? [] : { id: m[1], status: 'ACTIVE', created: '2024-02-01T09:00:00.000Z', profile: { login: 'dana@acme.example', userType: 'Employee' } };
  return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

function start(env) {
  const child = spawn(process.execPath, [SERVICE], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', FACTORGATE_STATE_KEY: 'okta-restart-state-key-0123456789', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (c) => { out.stdout += c; });
  child.stderr.on('data', (c) => { out.stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => { children.delete(child); resolve({ code, signal }); }));
  const port = new Promise((resolve, reject) => {
    const check = () => {
      const m = out.stderr.match(/okta hooks on 127\.0\.0\.1:(\d+)/);
      if (m) resolve(Number(m[1]));
    };
    child.stderr.on('data', check);
    exited.then(() => reject(new Error(`exited before listening: ${out.stderr}`)));
  });
  port.catch(() => {}); // awaited by the tests that expect it to listen
  const decisions = () => out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  return { child, out, port, exited, decisions };
}

async function until(fn, ms = 15_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// System Log events as Okta delivers them (event hooks page sample; Identity Engine targets).
let seq = 0;
function event(eventType, { factor, session = 'idxDanaRestart1', published } = {}) {
  seq += 1;
  return {
    uuid: `7d2a41c0-cc19-11ed-a688-${String(seq).padStart(12, '0')}`,
    published: published ?? new Date(Date.now() - 120_000 + seq * 1000).toISOString(),
    eventType,
    version: '0',
    severity: 'INFO',
    displayMessage: eventType,
    actor: { id: '00udana', type: 'User', alternateId: 'dana@acme.example', displayName: 'Dana Levi', detailEntry: null },
    client: { userAgent: { rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)', os: 'Mac OS X', browser: 'CHROME' }, zone: 'null', device: 'Computer', id: null, ipAddress: '142.126.158.61', geographicalContext: { city: 'Toronto', state: 'Ontario', country: 'Canada', postalCode: 'M4M', geolocation: { lat: 43.6567, lon: -79.34 } } },
    device: null,
    outcome: { result: 'SUCCESS', reason: null },
    target: [
      { id: '00udana', type: 'User', alternateId: 'dana@acme.example', displayName: 'Dana Levi', detailEntry: null },
      ...(factor ? [{ id: factor.id, type: 'AuthenticatorEnrollment', alternateId: 'unknown', displayName: factor.name, detailEntry: factor.detail ?? null }] : []),
    ],
    transaction: { type: 'WEB', id: `ZCCzm8j2wTvzwele2NwL${seq}`, detail: {} },
    debugContext: { debugData: { requestId: `ZCCzm8j2wTvzwele2NwL${seq}`, requestUri: '/idp/idx/challenge/answer' } },
    authenticationContext: { authenticationStep: 0, externalSessionId: session },
    securityContext: { asNumber: 577, asOrg: 'bell canada', isp: 'bell canada', domain: 'bell.ca', isProxy: false },
  };
}
const delivery = (events) => ({ eventType: 'com.okta.event_hook', eventTypeVersion: '1.0', cloudEventsVersion: '0.1', source: 'https://acme.okta.com/api/v1/eventHooks/who7hphp39JoHLni81d7', eventId: `85b60edb-${seq}`, eventTime: new Date().toISOString(), contentType: 'application/json', data: { events } });
const post = (port, body) => fetch(`http://127.0.0.1:${port}/okta/events`, { method: 'POST', headers: { authorization: SECRET, 'content-type': 'application/json' }, body: JSON.stringify(body) });

test('the process refuses to start without OKTA_HOOK_SECRET', { timeout: 10_000 }, async () => {
  const { exited, out } = start({ FACTORGATE_DATA_FILE: path.join(dir, 'refused.sqlite') });
  const { code } = await exited;
  assert.equal(code, 2);
  assert.match(out.stderr, /refusing to start without hook authentication/);
  assert.ok(!fs.existsSync(path.join(dir, 'refused.sqlite')));
});

test('killed after the acknowledgement: acknowledged events are processed after the restart; a redelivery is processed once', { timeout: 30_000 }, async () => {
  const file = path.join(dir, 'queue.sqlite');
  const stuck = await fakeOkta(rateLimited); // the first process waits out a 30 s Retry-After
  const working = await fakeOkta(directory);
  try {
    const batch = [
      event('user.authentication.auth_via_mfa', { factor: { id: 'lae42dana', name: 'Password', detail: { methodTypeUsed: 'Password', methodUsedVerifiedProperties: '[USER_PRESENCE]' } } }),
      event('user.authentication.auth_via_mfa', { factor: { id: 'ost1dana', name: 'Google Authenticator', detail: null } }),
      event('user.session.start', { factor: { id: 'lae42dana', name: 'Password' } }),
      event('user.mfa.factor.activate', { factor: { id: 'mbl1dana', name: 'Phone', detail: { methodTypeUsed: 'SMS' } } }),
      event('user.mfa.factor.deactivate', { factor: { id: 'opf1dana', name: 'Okta Verify' } }),
    ];
    const env = { OKTA_HOOK_SECRET: SECRET, FACTORGATE_DATA_FILE: file, OKTA_API_TOKEN: 'test-api-token', FACTORGATE_SIGNIN_SETTLE_MS: '200' };

    const first = start({ ...env, OKTA_ORG_URL: stuck.url });
    const res = await post(await first.port, delivery(batch));
    assert.equal(res.status, 200);
    assert.ok(fs.existsSync(file), 'on disk before the 200');
    await until(() => stuck.calls.length > 0); // processing started, and waits on Okta
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    assert.deepEqual(first.decisions(), [], 'nothing was processed before the kill');

    const second = start({ ...env, OKTA_ORG_URL: working.url });
    const port = await second.port;
    const done = (d) => new Set(d.flatMap((x) => x.uuids ?? [x.uuid]));
    await until(() => batch.every((e) => done(second.decisions()).has(e.uuid)));
    const kinds = second.decisions().map((d) => d.factorgate);
    assert.deepEqual(kinds.sort(), ['factorChange', 'factorChange', 'signIn'], 'three verifications of one session are one sign-in');
    const signIn = second.decisions().find((d) => d.factorgate === 'signIn');
    assert.deepEqual(signIn.methods.sort(), ['password', 'totp']);

    // Okta's retry of the same delivery (at-least-once), after the restart.
    assert.equal((await post(port, delivery(batch))).status, 200);
    const health = await until(async () => {
      const h = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      return h.stats.duplicates === batch.length && h;
    });
    assert.equal(health.stats.deliveries, 1);
    await new Promise((r) => setTimeout(r, 300)); // longer than the settle window
    const counts = new Map();
    for (const d of second.decisions()) for (const u of d.uuids ?? [d.uuid]) counts.set(u, (counts.get(u) ?? 0) + 1);
    assert.deepEqual([...counts.values()], batch.map(() => 1), 'each event processed once');
    assert.deepEqual(health.queue, { done: batch.length });

    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  } finally {
    await new Promise((r) => stuck.server.close(r));
    await new Promise((r) => working.server.close(r));
  }
});

test('a consent acknowledged, then killed before its grant was used: after the restart the held change is decided with the grant kept in the store, and applied', { timeout: 40_000 }, async () => {
  const { startAuthorizationServer, logEvent, delivery: hookDelivery, signIn, PLACES, PASSWORD, SECURITY_KEY } = require('./fixtures.js');
  const authz = await startAuthorizationServer({ path: '/oauth2/aus1approvals', kid: 'approvals-restart' });
  const file = path.join(dir, 'approvals.sqlite');
  let stallAfter = Infinity; // from this many calls on, Okta answers 429 with a 30 s Retry-After
  const dana = (req, res) => {
    const url = new URL(req.url, 'http://okta');
    const m = url.pathname.match(/^\/api\/v1\/users\/([^/]+)(?:\/(factors|roles))?$/);
    if (!m) return res.writeHead(req.method === 'DELETE' ? 204 : 404).end();
    const body = m[2] === 'factors'
      ? [{ id: 'fwf1dana', factorType: 'webauthn', provider: 'FIDO', status: 'ACTIVE', created: '2024-02-02T09:00:00.000Z' }, { id: 'opf1danaNew', factorType: 'push', provider: 'OKTA', status: 'ACTIVE', created: new Date().toISOString() }]
      : m[2] === 'roles' ? [] : { id: m[1], status: 'ACTIVE', created: '2024-02-01T09:00:00.000Z', profile: { login: 'dana@acme.example', userType: 'Employee', managerId: 'manny@acme.example' } };
    return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const okta = await fakeOkta((req, res) => (okta.calls.length > stallAfter ? rateLimited(req, res) : dana(req, res)));
  const now = Math.floor(Date.now() / 1000);
  const manny = authz.sign({ iss: authz.issuer, aud: 'api://factorgate-approvals', iat: now, exp: now + 3600, uid: '00umanny', sub: 'manny@acme.example', scp: ['factorgate.approvals'], groups: ['Managers'] });
  const approvals = (port, p = '', init = {}) => fetch(`http://127.0.0.1:${port}/approvals${p}`, { ...init, headers: { authorization: `Bearer ${manny}`, 'content-type': 'application/json' } });
  const env = {
    OKTA_HOOK_SECRET: SECRET, FACTORGATE_DATA_FILE: file, OKTA_ORG_URL: okta.url, OKTA_API_TOKEN: 'test-api-token', FACTORGATE_SIGNIN_SETTLE_MS: '200',
    FACTORGATE_APPROVER_ISSUER: authz.issuer, FACTORGATE_APPROVER_AUDIENCE: 'api://factorgate-approvals', FACTORGATE_APPROVER_SCOPE: 'factorgate.approvals',
    FACTORGATE_APPROVER_GROUPS: JSON.stringify({ Managers: 'manager', 'FactorGate SOC': 'soc' }),
  };
  try {
    const first = start(env);
    const port = await first.port;
    // Dana's usual sign-ins (Rotterdam), then Okta Verify enrolled from Berlin: held for her manager.
    const t0 = Date.now() - 3 * 3600_000;
    const usual = [0, 1, 2, 3].flatMap((i) => signIn(`idxDanaUsual${i}`, [PASSWORD, SECURITY_KEY], { user: '00udana', published: t0 + i * 600_000 }));
    assert.equal((await post(port, hookDelivery(usual))).status, 200);
    await until(() => first.decisions().filter((d) => d.factorgate === 'signIn').length === 4);
    const enrolled = logEvent('user.mfa.factor.activate', { user: '00udana', factor: { id: 'opf1danaNew', name: 'Okta Verify' }, from: PLACES.berlin, ip: '192.0.2.77' });
    assert.equal((await post(port, hookDelivery([enrolled]))).status, 200);
    const [held] = await until(async () => (await (await approvals(port)).json()).approvals);
    assert.equal(held.status, 'pending');
    assert.deepEqual(held.by, ['manager']);

    // The consent is acknowledged (the grant on disk with the change); using it then waits on Okta.
    stallAfter = okta.calls.length + 3; // the consent's own look-ups (user, factors, roles) answer
    const res = await approvals(port, `/${held.approvalId}`, { method: 'POST', body: JSON.stringify({ consent: 'approve' }) });
    assert.equal(res.status, 202);
    await until(() => okta.calls.length > stallAfter);
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    assert.ok(!first.decisions().some((d) => d.factorgate === 'approval'), 'the grant was not used before the kill');

    stallAfter = Infinity;
    const second = start(env);
    const port2 = await second.port;
    const done = await until(async () => {
      const a = await (await approvals(port2, `/${held.approvalId}`)).json();
      return a.status === 'applied' && a;
    });
    assert.deepEqual(done.approver, { kind: 'manager', id: '00umanny', login: 'manny@acme.example' });
    const used = second.decisions().find((d) => d.factorgate === 'approval');
    assert.equal(used.outcome, 'allow');
    assert.ok(used.reasons.includes('approvalGranted'));
    second.child.kill('SIGTERM');
    assert.equal((await second.exited).code, 0);
  } finally {
    await new Promise((r) => okta.server.close(r));
    await authz.close();
  }
});
