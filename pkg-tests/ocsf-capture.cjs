'use strict';
// Preloaded (`node --require ./pkg-tests/ocsf-capture.cjs --test ...`, scripts/test.sh) into the
// pkg-tests and the host examples' tests: every alert any decision of the built package carries
// (decideLogin, assessFactorChange, failMode, through CommonJS or ES modules: node.mjs and node.cjs
// share one runtime, created here first, so both share one Engine class) is validated against the OCSF 1.8.0 schemas
// (pkg-tests/ocsf.cjs). Nothing is changed in what the tests see. At exit, a process that made an
// invalid alert prints each with its errors and exits non-zero, which fails its test file.
// Validates at most FACTORGATE_OCSF_CAPTURE_MAX alerts per process (default 20000: the soak's
// 100 000 calls are alike). FACTORGATE_OCSF_CAPTURE_REPORT=1 prints each file's count.
const path = require('node:path');

// Only inside `node --test` test files (the runner's own process loads no package).
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  const pkg = path.join(__dirname, '..', 'pkg');
  const { ocsfValidator } = require('./ocsf.cjs');
  const fg = require(pkg);
  const validator = ocsfValidator();
  const max = Number(process.env.FACTORGATE_OCSF_CAPTURE_MAX ?? 20000);
  const invalid = [];
  let seen = 0;
  let checked = 0;

  const check = (entry, result) => {
    if (result === null || typeof result !== 'object' || !Array.isArray(result.alerts)) return;
    for (const alert of result.alerts) {
      seen += 1;
      if (checked >= max) continue;
      checked += 1;
      const errors = validator.errors(alert);
      if (errors.length > 0 && invalid.length < 200) invalid.push({ entry, alert, errors });
    }
  };

  const engine = fg.compilePolicy(fg.defaultPolicy());
  if (engine?.type !== 'engine') throw new Error(`ocsf-capture: the default policy does not compile: ${JSON.stringify(engine)}`);
  const proto = Object.getPrototypeOf(engine);
  engine.free();
  for (const name of ['decideLogin', 'assessFactorChange', 'assessAction', 'failMode']) {
    const original = proto[name];
    Object.defineProperty(proto, name, {
      ...Object.getOwnPropertyDescriptor(proto, name),
      value: function (...args) {
        const result = original.apply(this, args);
        check(name === 'failMode' ? `failMode(${String(args[0])})` : name, result);
        return result;
      },
    });
  }

  process.on('exit', () => {
    const file = path.relative(process.cwd(), process.argv[1] ?? '?');
    if (process.env.FACTORGATE_OCSF_CAPTURE_REPORT === '1') {
      process.stderr.write(`ocsf-capture: ${file}: ${checked - invalid.length} of ${checked} alerts checked (${seen} made) valid\n`);
    }
    if (invalid.length === 0) return;
    const lines = invalid.map((x) => `${x.entry} -> class ${x.alert?.class_uid}, type ${x.alert?.type_uid}:\n    ${x.errors.join('\n    ')}\n    ${JSON.stringify(x.alert)}`);
    process.stderr.write(`ocsf-capture: ${file}: ${invalid.length}${invalid.length === 200 ? '+' : ''} of ${checked} alerts checked (${seen} made) are not valid OCSF 1.8.0 (schema/ocsf-1.8.0/):\n  ${lines.join('\n  ')}\n`);
    process.exitCode = 1;
  });
}
