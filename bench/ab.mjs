// A/B of two built packages in one process, interleaved (for choosing build settings):
// node bench/ab.mjs DIR_A DIR_B [rounds]. Prints the median µs per call of each task per package.
import { createRequire } from 'node:module';
import { NOW, STATE_KEY, actionRequest, adminLoginRequest, factorChangeRequest, fullState, loginRequest, riskyLoginRequest } from './requests.mjs';
const require = createRequire(import.meta.url);
const [dirA, dirB, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg ?? 16);
const setups = [dirA, dirB].map((dir) => {
  const fg = require(`${dir}/node.cjs`);
  const engine = fg.compilePolicy(fg.defaultPolicy(), { stateKey: STATE_KEY });
  const state = fullState(engine);
  const action = actionRequest(NOW, fullState(engine, adminLoginRequest));
  return { dir, engine, login: loginRequest(NOW, undefined, state), risky: riskyLoginRequest(NOW, state), change: factorChangeRequest(NOW, state), action };
});
const tasks = {
  calm: (s) => s.engine.decideLogin(s.login, { now: NOW }),
  risky: (s) => s.engine.decideLogin(s.risky, { now: NOW }),
  change: (s) => s.engine.assessFactorChange(s.change, { now: NOW }),
  action: (s) => s.engine.assessAction(s.action, { now: NOW }),
};
const samples = setups.map(() => Object.fromEntries(Object.keys(tasks).map((k) => [k, []])));
const N = 3000;
// The package that runs second in a round measured ~10 % slower whichever it was (the first one's
// garbage is collected in its time), so the order alternates from round to round.
for (let r = 0; r < rounds; r += 1) {
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) {
    for (const [k, f] of Object.entries(tasks)) {
      const t0 = process.hrtime.bigint();
      for (let n = 0; n < N; n += 1) f(setups[i]);
      samples[i][k].push(Number(process.hrtime.bigint() - t0) / N / 1000);
    }
  }
}
const med = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const k of Object.keys(tasks)) {
  const a = med(samples[0][k]); const b = med(samples[1][k]);
  console.log(`${k.padEnd(7)} A ${a.toFixed(2)} µs  B ${b.toFixed(2)} µs  B/A ${(b / a).toFixed(3)}`);
}
