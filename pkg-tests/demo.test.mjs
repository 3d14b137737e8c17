// The main job (`make demo`, examples/demo.mjs) through the built package: it runs to the end and
// tells its story as decided, so the README's first command is tested like the rest.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

test('make demo: every step decides, and the approval and recovery loops close', () => {
  const out = execFileSync(process.execPath, [join(root, 'examples', 'demo.mjs')], {
    encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' },
  });
  const step = (title) => {
    const at = out.indexOf(`━━ ${title}`);
    assert.ok(at >= 0, `no step "${title}" in:\n${out}`);
    const next = out.indexOf('━━', at + 3);
    return out.slice(at, next < 0 ? undefined : next);
  };
  assert.doesNotMatch(out, /error:/);
  assert.match(step('3. A risky sign-in'), /→ DENY[\s\S]*impossibleTravel/);
  assert.match(step('4. An attacker adds a factor'), /→ DENY/);
  assert.match(step('5. A help-desk change'), /→ APPROVAL[\s\S]*approval by soc/);
  assert.match(step('5b. The SOC approves it'), /\(the held change\)/);
  assert.match(step('5c. The change, resubmitted'), /→ ALLOW[\s\S]*approvalGranted[\s\S]*soc-sofia/);
  assert.match(step('5d. The same grant again'), /→ approval .*approvalReused/);
  assert.match(step('6a. Self-service recovery'), /→ ALLOW[\s\S]*recovery: AAL2, may bind .*suspend k1, restricted until/);
  assert.match(step('6b. Removing a factor'), /→ APPROVAL[\s\S]*recoveryRestricted/);
});
