'use strict';
// The OCSF 1.8.0 check of an alert: ajv (draft 2020-12) against the class's JSON Schema in
// schema/ocsf-1.8.0/ (scripts/ocsf-schemas.py made them with ocsf-json-schema from the compiled
// 1.8.0 export; no profile, so no member the class does not declare, and every object's
// at_least_one / just_one). Used by pkg-tests/ocsf.test.mjs and pkg-tests/ocsf-capture.cjs.
const { readFileSync } = require('node:fs');
const path = require('node:path');
const Ajv2020 = require('ajv/dist/2020.js').default;

const schemaDir = path.join(__dirname, '..', 'schema', 'ocsf-1.8.0');
const manifest = JSON.parse(readFileSync(path.join(schemaDir, 'manifest.json'), 'utf8'));

/** `{ errors(alert) -> string[] }`: one line per complaint, empty when the alert is valid. */
function ocsfValidator() {
  // strict mode, less two rules the generated schemas cannot meet and that do not weaken the
  // check: strictRequired (ajv does not look into the parent's `properties` from an `anyOf`
  // branch's `required`, which is how at_least_one is written) and union types (json_t is any
  // JSON type).
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allowUnionTypes: true, allErrors: true });
  const byClass = new Map();
  for (const [uid, file] of Object.entries(manifest.classes)) {
    byClass.set(Number(uid), ajv.compile(JSON.parse(readFileSync(path.join(schemaDir, file), 'utf8'))));
  }
  return {
    errors(alert) {
      if (alert === null || typeof alert !== 'object' || Array.isArray(alert)) return ['(root) not an object'];
      const validate = byClass.get(alert.class_uid);
      if (validate === undefined) return [`(root) class_uid ${JSON.stringify(alert.class_uid)}: no alert class has it (${[...byClass.keys()].join(', ')})`];
      const out = validate(alert) ? [] : describe(validate.errors);
      // What a JSON Schema cannot say: type_uid is class_uid * 100 + activity_id.
      if (alert.type_uid !== alert.class_uid * 100 + alert.activity_id) {
        out.push(`/type_uid ${alert.type_uid} is not class_uid * 100 + activity_id (${alert.class_uid * 100 + alert.activity_id})`);
      }
      if (alert.metadata?.version !== manifest.ocsf_version) out.push(`/metadata/version ${JSON.stringify(alert.metadata?.version)}, want ${manifest.ocsf_version}`);
      return out;
    },
  };
}

/**
 * ajv's errors as lines; an at_least_one (anyOf of `required`) failure is one line naming the
 * members of which one is needed, not one line per member.
 */
function describe(errors) {
  const anyOf = new Map(); // schemaPath of the anyOf -> members
  for (const e of errors) {
    const m = /^(.*\/anyOf)\/\d+\/required$/.exec(e.schemaPath);
    if (m) anyOf.set(`${e.instancePath} ${m[1]}`, [...(anyOf.get(`${e.instancePath} ${m[1]}`) ?? []), e.params.missingProperty]);
  }
  const out = [];
  for (const e of errors) {
    const where = e.instancePath || '(root)';
    if (/\/anyOf\/\d+\/required$/.test(e.schemaPath)) continue;
    const members = e.keyword === 'anyOf' ? anyOf.get(`${e.instancePath} ${e.schemaPath}`) : undefined;
    if (members !== undefined) {
      out.push(`${where} must have at least one of ${members.join(', ')} (at_least_one)`);
    } else {
      const params = e.params && Object.keys(e.params).length > 0 ? ` ${JSON.stringify(e.params)}` : '';
      out.push(`${where} ${e.message}${params}`);
    }
  }
  return out;
}

module.exports = { ocsfValidator, manifest };
