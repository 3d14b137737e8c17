//! No module of the crate imports another in a circle. The tool is this test: it reads `src/`,
//! takes every `crate::`, `super::` and child-module path in each file as an edge from that
//! file's module to the module the path names, and reports every strongly connected component
//! of more than one module (Tarjan's algorithm). A module's own `mod child;` declaration is not
//! an edge (containment is not an import); a `pub use child::X` or any use of a child is. A
//! file's `#[cfg(test)] mod tests` is left out: unit tests are not a layer.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::string_slice
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (e.g. `json::reader`) → its source file.
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(src).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_str().unwrap().to_string())
                .collect();
            if parts.last().map(String::as_str) == Some("mod") {
                parts.pop();
            }
            let name = parts.join("::");
            let name = if name == "lib" { String::new() } else { name };
            out.insert(name, path);
        }
    }
    out
}

/// The text of a file without comments and string literals, so that paths in prose do not count.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// Paths `a::b::c` that start at `prefix` (`crate`, `super` or a child module's name).
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<Vec<&'a str>> {
    let pat = format!("{prefix}::");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = code[from..].find(&pat) {
        let start = from + at;
        from = start + pat.len();
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$' || c == ':') {
            continue;
        }
        let mut segs = Vec::new();
        let mut rest = &code[from..];
        loop {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            if len == 0 {
                // `crate::{a, b::c}`: each member of the group is a path of its own.
                if let Some(group) = rest.strip_prefix('{') {
                    let end = group.find('}').unwrap_or(group.len());
                    for member in group[..end].split(',') {
                        let first = member.trim().split("::").next().unwrap_or("").trim();
                        if !first.is_empty() {
                            let mut p = segs.clone();
                            p.push(first);
                            out.push(p);
                        }
                    }
                    segs.clear();
                }
                break;
            }
            segs.push(&rest[..len]);
            rest = &rest[len..];
            match rest.strip_prefix("::") {
                Some(r) => rest = r,
                None => break,
            }
        }
        if !segs.is_empty() {
            out.push(segs);
        }
    }
    out
}

/// The longest prefix of `base ++ segs` that is a module.
fn resolve(mods: &BTreeMap<String, PathBuf>, base: &[String], segs: &[&str]) -> Option<String> {
    let mut full: Vec<String> = base.to_vec();
    full.extend(segs.iter().map(|s| s.to_string()));
    (0..=full.len())
        .rev()
        .map(|n| full[..n].join("::"))
        .find(|m| mods.contains_key(m))
}

fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(src);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, file) in &mods {
        let text = std::fs::read_to_string(file).unwrap();
        // Unit tests are not a layer: they may reach anywhere.
        let text = match text.find("#[cfg(test)]\nmod tests") {
            Some(at) => &text[..at],
            None => &text,
        };
        let code = code_only(text);
        let me: Vec<String> = if name.is_empty() {
            vec![]
        } else {
            name.split("::").map(String::from).collect()
        };
        let parent = &me[..me.len().saturating_sub(1)];
        let children: Vec<String> = mods
            .keys()
            .filter_map(|m| {
                let rest = if me.is_empty() {
                    Some(m.as_str())
                } else {
                    m.strip_prefix(name.as_str())?.strip_prefix("::")
                };
                rest.filter(|r| !r.is_empty() && !r.contains("::"))
                    .map(String::from)
            })
            .collect();
        let mut found = BTreeSet::new();
        for p in paths_after(&code, "crate") {
            found.extend(resolve(&mods, &[], &p));
        }
        for p in paths_after(&code, "super") {
            found.extend(resolve(&mods, parent, &p));
        }
        for child in &children {
            for p in paths_after(&code, child) {
                let mut segs = vec![child.as_str()];
                segs.extend(p);
                found.extend(resolve(&mods, &me, &segs));
            }
        }
        found.remove(name);
        // The crate root only declares and re-exports: it is the public surface, not a layer.
        if !name.is_empty() {
            found.remove("");
            edges.insert(name.clone(), found);
        }
    }
    edges
}

/// Strongly connected components with more than one member.
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct T<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a str) {
        let i = t.index.len();
        t.index.insert(v, i);
        t.low.insert(v, i);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.edges.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: vec![],
        on: BTreeSet::new(),
        out: vec![],
    };
    for v in edges.keys() {
        if !t.index.contains_key(v.as_str()) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn no_module_imports_in_a_circle() {
    if std::env::var("SHOW_GRAPH").is_ok() {
        for (k, v) in &graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) {
            eprintln!("{k} -> {v:?}");
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    let found = circles(&edges);
    let report: Vec<String> = found.iter().map(|c| c.join(" ↔ ")).collect();
    assert!(found.is_empty(), "import circles:\n{}", report.join("\n"));
}

#[test]
fn the_leaves_depend_on_nothing() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = graph(&src);
    for leaf in ["error", "limits"] {
        assert_eq!(edges[leaf], BTreeSet::new(), "{leaf} imports other modules");
    }
}

#[test]
fn the_checker_sees_a_circle() {
    let mut edges = BTreeMap::new();
    edges.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    edges.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    edges.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    edges.insert("d".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(circles(&edges), vec![vec!["a", "b", "c"]]);
    let code =
        "use crate::json::{Reader, decode::Res};\nlet x = super::codec::read(); // crate::nope";
    assert_eq!(
        paths_after(&code_only(code), "crate"),
        vec![vec!["json", "Reader"], vec!["json", "decode"]]
    );
}
