// The main job: a short story on the embedded default policy, played through the built npm
// package, each decision printed so a person reads it at a glance. Run it with `make demo`.
import { compilePolicy, defaultPolicy, validatePolicy, version } from '../pkg/node.mjs';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code) => (s) => (color ? `\x1b[${code}m${s}\x1b[0m` : String(s));
const bold = paint('1');
const dim = paint('2');
const OUTCOME_COLORS = { allow: paint('32'), enroll: paint('36'), stepUp: paint('33'), approval: paint('35'), deny: paint('31') };

// A state key as a host would keep it in a secret store; decisions return signed memory that the
// host stores per user (e.g. in Auth0 app_metadata) and passes back on the next call.
const engine = compilePolicy(defaultPolicy(), { stateKey: 'demo-only-state-key-0123456789abcdef' });
if (engine.type !== 'engine') {
  console.error('could not compile the default policy:', JSON.stringify(engine, null, 2));
  process.exit(1);
}
const memory = new Map();

const minutesBefore = (iso, minutes) => new Date(Date.parse(iso) - minutes * 60_000).toISOString();

function play(title, story, entry, request, brief = false) {
  const state = memory.get(request.user.id);
  const decision = entry === 'login'
    ? engine.decideLogin({ ...request, state })
    : engine.assessFactorChange({ ...request, state });
  console.log(`\n${bold(`━━ ${title}`)}`);
  if (!brief) console.log(dim(`   ${story}`));
  if (decision.type !== 'decision') {
    console.log('   error:', JSON.stringify(decision.errors));
    process.exitCode = 1;
    return decision;
  }
  if (decision.state) memory.set(request.user.id, decision.state);
  if (brief) {
    const codes = decision.reasons.map((r) => r.code).join(', ');
    console.log(`   → ${decision.outcome} · risk ${decision.risk.score} · ${codes}`);
  } else {
    show(decision);
  }
  return decision;
}

function show(d) {
  const tint = OUTCOME_COLORS[d.outcome] ?? String;
  console.log(`   → ${tint(bold(d.outcome.toUpperCase()))}   risk ${d.risk.score}/100 ${d.risk.level}`);
  for (const r of d.reasons) {
    const pts = r.points === 0 ? '  ' : r.points > 0 ? `+${r.points}` : `${r.points}`;
    console.log(`     ${pts.padStart(3)}  ${bold(r.code.padEnd(26))} ${r.detail}`);
  }
  if (d.requirement) {
    const q = d.requirement;
    const kind = q.hardwareBound ? 'hardware-bound phishing-resistant ' : q.phishingResistant ? 'phishing-resistant ' : '';
    console.log(`   requires ${kind}AAL${q.minAal} within ${q.maxAgeS} s using ${q.factors.join(', ') || '(none)'}`);
  }
  if (d.approval) console.log(`   approval by ${d.approval.by.join(', ')} within ${d.approval.expiresInS} s (id ${d.approval.id})`);
  if (d.recovery) {
    const r = d.recovery;
    console.log(`   recovery: AAL${r.aal}${r.mayBind ? `, may bind ${r.mayBind.join(', ')}` : ''}${r.invalidate?.length ? `, suspend ${r.invalidate.join(', ')}` : ''}${r.restrictedUntil ? `, restricted until ${r.restrictedUntil}` : ''}`);
  }
  if (d.enrollmentAllowed !== undefined) console.log(`   may add factors this session: ${d.enrollmentAllowed ? 'yes' : 'no'}`);
  if (d.assurance) console.log(`   session proved AAL${d.assurance.aal} (amr ${d.assurance.amr.join(',') || '-'})`);
  for (const n of d.notify) console.log(`   notify the user (${n.channel} channel): ${n.template}`);
  for (const a of d.alerts) {
    console.log(`   ${paint('31')('alert')} OCSF ${a.class_uid} ${a.type_name} · severity ${a.severity} · user ${a.user?.uid ?? a.evidences?.[0]?.user?.uid}`);
  }
  if (d.alerts.length === 0) console.log(dim('   no alert'));
}

const OSLO = { ip: '198.51.100.7', geo: { lat: 59.91, lon: 10.75, country: 'NO', asn: 2119 } };
const LAPTOP = { id: 'laptop-alice-7f3a', managed: true, compliant: true };
const alice = {
  id: 'auth0|alice', kind: 'employee', roles: ['engineer'], createdAt: '2024-01-10T09:00:00Z',
  lastLoginAt: '2026-11-22T08:40:00Z', passwordChangedAt: '2026-06-01T00:00:00Z',
  factors: [{ id: 'f1', type: 'totp' }, { id: 'f2', type: 'passkeySynced' }],
};

const info = version();
const { policy } = validatePolicy(defaultPolicy());
console.log(bold(`factorgate ${info.crate} · embedded default policy ${policy.id} v${policy.version} · ${policy.digest.slice(0, 19)}…`));

// 1. A calm login, on three ordinary days: the engine learns Alice's place and device.
for (const day of ['2026-11-21', '2026-11-22', '2026-11-23']) {
  const now = `${day}T08:45:00Z`;
  play(`1. A calm login (${day})`, 'Alice opens the wiki from her managed laptop in Oslo, password and TOTP a minute ago.', 'login', {
    now, user: alice, app: { id: 'wiki' },
    session: { ...OSLO, device: LAPTOP, methods: [{ type: 'password', at: minutesBefore(now, 2) }, { type: 'totp', at: minutesBefore(now, 1) }] },
  }, day !== '2026-11-23');
}

// 2. Onboarding: a new hire has no factor yet.
const bob = { id: 'auth0|bob', kind: 'employee', createdAt: '2026-11-22T09:00:00Z', factors: [] };
const bobSession = (now) => ({ ...OSLO, device: { id: 'laptop-bob-11c2', managed: true, compliant: true }, methods: [{ type: 'password', at: minutesBefore(now, 1) }] });
play('2a. Onboarding: first login of a new hire', 'Bob joined yesterday and signs in with his password; he has no second factor.', 'login', {
  now: '2026-11-23T09:00:00Z', user: bob, app: { id: 'wiki' }, session: bobSession('2026-11-23T09:00:00Z'),
});
play('2b. Onboarding: Bob binds a passkey', 'The IdP asks whether Bob may bind the passkey he just created.', 'factorChange', {
  now: '2026-11-23T09:02:00Z', user: bob, session: bobSession('2026-11-23T09:02:00Z'),
  change: { action: 'enroll', factor: { type: 'passkeySynced' }, phase: 'before' },
});

// 3. A risky sign-in: two hours after Oslo, someone signs in as Alice from Sydney on a new device.
play('3. A risky sign-in', 'Two hours later, Alice\'s password is used from Sydney on an unknown device; the IdP rates it medium.', 'login', {
  now: '2026-11-23T10:45:00Z', user: alice, app: { id: 'payroll', sensitivity: 'high' },
  session: { ip: '192.0.2.44', geo: { lat: -33.87, lon: 151.21, country: 'AU', asn: 64500 },
    device: { id: 'unknown-9c1e', managed: false }, methods: [{ type: 'password', at: '2026-11-23T10:44:00Z' }],
    hostRisk: { level: 'medium', signals: ['newDevice'] } },
});

// 4. The attacker resets the password and tries to bind their own authenticator app.
play('4. An attacker adds a factor after a password reset', 'Ten minutes after a password reset from Sydney, the same device tries to enroll a new TOTP app.', 'factorChange', {
  now: '2026-11-23T11:00:00Z', user: { ...alice, passwordChangedAt: '2026-11-23T10:50:00Z' },
  session: { ip: '192.0.2.44', geo: { lat: -33.87, lon: 151.21, country: 'AU', asn: 64500 },
    device: { id: 'unknown-9c1e', managed: false },
    methods: [{ type: 'password', at: '2026-11-23T10:59:00Z' }, { type: 'totp', at: '2026-11-23T10:59:30Z' }],
    hostRisk: { level: 'medium', signals: ['newDevice', 'newCountry'] } },
  change: { action: 'enroll', factor: { type: 'totp' }, phase: 'before' },
});

// 5. A help-desk agent replaces the security key of an IAM administrator.
const held = {
  now: '2026-11-23T12:00:00Z',
  user: { id: 'auth0|carol', kind: 'employee', roles: ['iam-admin'], capabilities: ['manageIam', 'manageSecrets'],
    factors: [{ id: 'k1', type: 'webauthnRoaming' }] },
  session: { ip: '198.51.100.20', geo: { country: 'NO', asn: 2119 }, device: { id: 'helpdesk-pc-3', managed: true, compliant: true } },
  change: { action: 'replace', factor: { type: 'webauthnRoaming' }, replaces: { id: 'k1', type: 'webauthnRoaming' },
    actor: { kind: 'helpdesk', id: 'hd-17', ticket: 'INC-1234' }, phase: 'before' },
};
const carolChange = play('5. A help-desk change for a privileged admin', 'Agent hd-17 (ticket INC-1234) registers a new security key for Carol, who can manage IAM and secrets.', 'factorChange', held);

// 5b. The SOC approves the held change: the grant is signed, one change, once.
const grant = engine.grantApproval({ request: { ...held, now: '2026-11-23T12:05:00Z' }, approver: { kind: 'soc', id: 'soc-sofia' } });
console.log(`\n${bold('━━ 5b. The SOC approves it')}`);
console.log(dim('   Sofia (SOC) reviews the held change and grants it; the host resubmits the change with the grant.'));
if (grant.type !== 'approvalGrant') {
  console.log('   error:', JSON.stringify(grant));
  process.exitCode = 1;
} else {
  console.log(`   grant for ${grant.approvalId} (${carolChange.approval?.id === grant.approvalId ? 'the held change' : 'another change'}), valid until ${grant.expiresAt}, ${grant.grant.length} characters`);
  play('5c. The change, resubmitted with the grant', 'The same change, with change.approval set to the grant.', 'factorChange', {
    ...held, now: '2026-11-23T12:06:00Z', change: { ...held.change, approval: grant.grant },
  });
  play('5d. The same grant again', 'Someone replays the grant for a second change.', 'factorChange', {
    ...held, now: '2026-11-23T12:20:00Z', change: { ...held.change, approval: grant.grant },
  }, true);
}

// 6. Self-service recovery: Erin lost her security key; a saved recovery code and her password.
const erin = { id: 'auth0|erin', kind: 'employee', createdAt: '2024-03-01T09:00:00Z',
  factors: [{ id: 'k1', type: 'webauthnRoaming', enrolledAt: '2025-01-15T09:00:00Z' }, { id: 't1', type: 'totp', enrolledAt: '2025-01-15T09:00:00Z' }] };
const erinSession = (now) => ({ ...OSLO, device: { id: 'laptop-erin-5d1a', managed: true, compliant: true }, methods: [{ type: 'password', at: minutesBefore(now, 1) }] });
play('6a. Self-service recovery', 'Erin lost her security key; she signs in with her password and a saved recovery code, and binds a passkey.', 'factorChange', {
  now: '2026-11-23T13:00:00Z', user: erin, session: erinSession('2026-11-23T13:00:00Z'),
  change: { action: 'recover', factor: { type: 'passkeySynced' }, phase: 'before',
    recovery: { methods: [{ type: 'recoveryCode', at: '2026-11-23T12:59:30Z' }], lost: ['k1'] } },
});
play('6b. Removing a factor inside the restriction window', 'An hour later, the same session tries to remove her authenticator app.', 'factorChange', {
  now: '2026-11-23T14:00:00Z', user: { ...erin, recoveredAt: '2026-11-23T13:00:00Z',
    factors: [erin.factors[1], { id: 'p1', type: 'passkeySynced', enrolledAt: '2026-11-23T13:01:00Z' }] },
  session: erinSession('2026-11-23T14:00:00Z'),
  change: { action: 'remove', factor: { id: 't1', type: 'totp' }, phase: 'before' },
});

engine.free();
console.log('');
