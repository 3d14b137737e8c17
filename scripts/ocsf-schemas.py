#!/usr/bin/env python3
"""The OCSF 1.8.0 JSON Schemas of the classes factorgate's alerts belong to, in schema/ocsf-1.8.0/.

Dev-time only: `make test` reads the committed files (pkg-tests/ocsf.test.mjs, ajv) and needs
neither Python nor a network. Run this when the OCSF version or the classes change:

    python3 -m venv /tmp/ocsf-venv && /tmp/ocsf-venv/bin/pip install ocsf-json-schema==1.2.0
    /tmp/ocsf-venv/bin/python scripts/ocsf-schemas.py            # writes schema/ocsf-1.8.0/
    /tmp/ocsf-venv/bin/python scripts/ocsf-schemas.py --check    # compares, writes nothing

The JSON Schemas (draft 2020-12, `at_least_one` as anyOf, `just_one` as oneOf, no extra members
allowed) are made by the PyPI package ocsf-json-schema (MIT) from the compiled 1.8.0 export of
schema.ocsf.io that it bundles; no profile is selected, so an attribute that only a profile adds
(e.g. `actor` on a Detection Finding, `is_alert` on an Account Change) is refused. Before writing,
the export is checked against the OCSF project's own source files of release 1.8.0
(../shared/ocsf-1.8/, or --source DIR): for both classes and every object their schemas embed,
each attribute's presence, requirement, profile, type, array-ness and enumeration, each object's
constraints and each scalar type's regex, range and length must agree. Any disagreement stops it.
schema/ocsf-1.8.0/manifest.json records the generator, its version and the export's digest.
"""

import argparse
import glob
import hashlib
import json
import os
import sys
from importlib import metadata as pkg_metadata

OCSF_VERSION = "1.8.0"
GENERATOR = "ocsf-json-schema"
GENERATOR_VERSION = "1.2.0"
CLASSES = {3001: "account_change", 2004: "detection_finding"}

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "schema", f"ocsf-{OCSF_VERSION}")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---------------------------------------------------------------------------------------------
# The OCSF source files (shared/ocsf-1.8): classes and objects compiled the way the OCSF server
# does for what the comparison needs (extends, $include of profiles, dictionary, enums).


class Source:
    def __init__(self, root):
        self.root = root
        self.dictionary = load(os.path.join(root, "dictionary.json"))
        self.version = load(os.path.join(root, "version.json"))["version"]
        self.objects = {}
        for f in glob.glob(os.path.join(root, "objects", "*.json")):
            o = load(f)
            self.objects[o["name"]] = o
        self.events = {}
        for f in glob.glob(os.path.join(root, "events", "**", "*.json"), recursive=True):
            e = load(f)
            self.events[e["name"]] = e

    def _expand(self, attributes):
        """Own attributes with `$include`d profiles: name -> attribute (with `profile` or None)."""
        out = {}
        for inc in attributes.get("$include", []):
            doc = load(os.path.join(self.root, inc))
            profile = doc.get("name") if doc.get("meta") == "profile" else None
            for name, a in doc.get("attributes", {}).items():
                out[name] = dict(a, profile=profile)
        for name, a in attributes.items():
            if name == "$include":
                continue
            merged = dict(out.get(name, {}))
            enum = {**merged.get("enum", {}), **a.get("enum", {})}
            merged.update(a)
            if enum:
                merged["enum"] = enum
            out[name] = merged
        return out

    def _chain(self, doc, table):
        parent = doc.get("extends")
        base = self._chain(table[parent], table) if parent else {}
        out = {k: dict(v) for k, v in base.items()}
        for name, a in self._expand(doc.get("attributes", {})).items():
            merged = out.get(name, {})
            enum = {**merged.get("enum", {}), **a.get("enum", {})}
            merged.update(a)
            if enum:
                merged["enum"] = enum
            out[name] = merged
        return out

    def _resolve(self, attrs):
        """Each attribute with the dictionary's type, array-ness and enumeration."""
        d = self.dictionary["attributes"]
        out = {}
        for name, a in attrs.items():
            base = d.get(name, {})
            t = a.get("type", base.get("type"))
            enum = {**base.get("enum", {}), **a.get("enum", {})}
            out[name] = {
                "requirement": a.get("requirement"),
                "profile": a.get("profile"),
                "type": t if t is None or t.endswith("_t") else "object_t",
                "object_type": None if t is None or t.endswith("_t") else t,
                "is_array": bool(a.get("is_array", base.get("is_array", False))),
                "enum": sorted(enum.keys()),
            }
            if t == "timestamp_t":  # the compiler adds a datetime sibling to every timestamp
                out[f"{name}_dt"] = dict(out[name], requirement="optional", profile="datetime", type="datetime_t")
        return out

    def event_class(self, name):
        return self._resolve(self._chain(self.events[name], self.events))

    def object(self, name):
        return self._resolve(self._chain(self.objects[name], self.objects))

    def constraints(self, name):
        o = self.objects[name]
        while "constraints" not in o and "extends" in o:
            o = self.objects[o["extends"]]
        return o.get("constraints", {})


def compiled(attrs):
    """The export's core attributes (not those an extension adds) in the shape Source gives."""
    out = {}
    for name, a in attrs.items():
        if a.get("extension"):
            continue
        profiles = a.get("profiles") or []
        out[name] = {
            "requirement": a.get("requirement"),
            "profile": profiles[0] if profiles else None,
            "type": a.get("type"),
            "object_type": a.get("object_type"),
            "is_array": bool(a.get("is_array", False)),
            "enum": sorted((a.get("enum") or {}).keys()),
        }
    return out


# Derived by the compiler from the class and category uids, not written in the source files.
DERIVED = {"class_uid", "category_uid", "type_uid", "class_name", "category_name", "type_name"}
# Extension profiles (linux/..., macos/...) live outside the core source tree.
EXTENSION_PROFILES = ("linux/", "macos/")
# Where the export is not the source files compiled, and why that is expected. Anything else stops
# the generator.
KNOWN = {
    # The compiler fills observable.type_id from the dictionary's `observable` annotations.
    "objects/observable.type_id.enum",
    # The win extension adds reg_key, reg_value and win_service to evidences and replaces its
    # at_least_one list, in which `resources` is missing (an evidences with only `resources` is
    # refused by the export; no factorgate alert has one).
    "objects/evidences constraints",
}


def compare(what, src, exp, problems):
    for name in sorted(set(src) | set(exp)):
        s, e = src.get(name), exp.get(name)
        if e is not None and (e["profile"] or "").startswith(EXTENSION_PROFILES):
            continue
        if s is None or e is None:
            problems.append(f"{what}.{name}: only in the {'export' if s is None else 'source files'}")
            continue
        for key in ("requirement", "profile", "type", "object_type", "is_array", "enum"):
            if name in DERIVED and key == "enum":
                continue
            if s[key] != e[key] and f"{what}.{name}.{key}" not in KNOWN:
                problems.append(f"{what}.{name}.{key}: source {s[key]!r}, export {e[key]!r}")


def check_export(export, source, schemas):
    """Disagreements between the bundled export and the OCSF source files (empty: none)."""
    problems = []
    if source.version != OCSF_VERSION:
        problems.append(f"source files are OCSF {source.version}, not {OCSF_VERSION}")
    objects = set()
    for uid, name in CLASSES.items():
        cls = export["classes"][name]
        if cls["uid"] != uid:
            problems.append(f"class {name}: uid {cls['uid']} in the export, want {uid}")
        compare(name, source.event_class(name), compiled(cls["attributes"]), problems)
        for a in cls["attributes"].values():
            if a.get("object_type"):
                objects.add(a["object_type"])
    # Every object the generated schemas embed (transitively), not only the classes' own.
    for schema in schemas.values():
        objects |= {title_to_name(export, k) for k in schema.get("$defs", {})}
    seen, skipped = set(), set()
    todo = sorted(objects)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        if "/" in name:  # an extension's object (win/...): not in the core source files
            skipped.add(name)
            continue
        seen.add(name)
        obj = export["objects"][name]
        compare(f"objects/{name}", source.object(name), compiled(obj["attributes"]), problems)
        want = source.constraints(name)
        if (obj.get("constraints") or {}) != want and f"objects/{name} constraints" not in KNOWN:
            problems.append(f"objects/{name} constraints: source {want!r}, export {obj.get('constraints')!r}")
        todo += [a["object_type"] for a in obj["attributes"].values() if a.get("object_type")]
    src_types = source.dictionary["types"]["attributes"]
    for tname, t in export["dictionary"]["types"]["attributes"].items():
        s = src_types.get(tname)
        if s is None:  # an extension's type (reg_key_path_t)
            continue
        for key in ("type", "regex", "range", "max_len"):
            if s.get(key) != t.get(key):
                problems.append(f"type {tname}.{key}: source {s.get(key)!r}, export {t.get(key)!r}")
    return problems, len(seen), sorted(skipped)


def title_to_name(export, slug):
    """The object a $defs key names (ocsf-json-schema's slug: an extension's `win/x` is `win_x`)."""
    from ocsf_json_schema.utility import generate_object_name_slug

    for name in export["objects"]:
        if generate_object_name_slug(name) == slug:
            return name
    raise SystemExit(f"$defs/{slug}: not an object of the export")


# ---------------------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default=os.path.join(ROOT, "..", "shared", f"ocsf-{OCSF_VERSION[:3]}"),
                    help="the OCSF source files of the release (default: ../shared/ocsf-1.8)")
    ap.add_argument("--check", action="store_true", help="compare with schema/ocsf-1.8.0/, write nothing")
    args = ap.parse_args()

    try:
        version = pkg_metadata.version(GENERATOR)
    except pkg_metadata.PackageNotFoundError:
        raise SystemExit(f"needs the PyPI package {GENERATOR}=={GENERATOR_VERSION} (see this file's docstring)")
    if version != GENERATOR_VERSION:
        raise SystemExit(f"{GENERATOR} {version} installed, this script is pinned to {GENERATOR_VERSION}")
    import ocsf_json_schema
    from ocsf_json_schema import OcsfJsonSchemaEmbedded, get_ocsf_schema

    export_path = os.path.join(os.path.dirname(ocsf_json_schema.__file__), "ocsf", f"{OCSF_VERSION}.json")
    with open(export_path, "rb") as f:
        export_sha256 = hashlib.sha256(f.read()).hexdigest()
    export = get_ocsf_schema(OCSF_VERSION)
    if export.get("version") != OCSF_VERSION:
        raise SystemExit(f"{export_path} says OCSF {export.get('version')}, not {OCSF_VERSION}")

    generator = OcsfJsonSchemaEmbedded(export)
    schemas = {name: generator.get_class_schema(name) for name in CLASSES.values()}

    problems, n_objects, skipped = check_export(export, Source(args.source), schemas)
    if problems:
        print(f"the {GENERATOR} {GENERATOR_VERSION} export disagrees with {args.source}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        raise SystemExit(1)

    manifest = {
        "ocsf_version": OCSF_VERSION,
        "generator": f"{GENERATOR} {GENERATOR_VERSION} (PyPI, MIT): OcsfJsonSchemaEmbedded.get_class_schema, no profiles",
        "export": f"ocsf_json_schema/ocsf/{OCSF_VERSION}.json (schema.ocsf.io/{OCSF_VERSION}/export/v2/schema)",
        "export_sha256": export_sha256,
        "checked_against": f"OCSF {OCSF_VERSION} source files: classes {sorted(CLASSES.values())} and "
                           f"the {n_objects} objects they reach, with the scalar types",
        "not_checked": f"extension objects, not in the core source files: {skipped}",
        "classes": {str(uid): f"{name}.schema.json" for uid, name in CLASSES.items()},
        "made_by": "scripts/ocsf-schemas.py",
    }
    files = {f"{name}.schema.json": schemas[name] for name in CLASSES.values()}
    files["manifest.json"] = manifest
    stale = []
    for fname, doc in files.items():
        text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        path = os.path.join(OUT, fname)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(fname)
            if not args.check:
                os.makedirs(OUT, exist_ok=True)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    where = os.path.relpath(OUT, ROOT)
    if args.check:
        if stale:
            raise SystemExit(f"{where}: out of date: {', '.join(stale)} (run scripts/ocsf-schemas.py)")
        print(f"{where}: up to date; export agrees with the source files ({n_objects} objects)")
    else:
        print(f"{where}: wrote {', '.join(stale) or 'nothing (up to date)'}; export agrees with the source files ({n_objects} objects)")


if __name__ == "__main__":
    main()
