//! The layout rules of docs/ARCHITECTURE.md ("Adding a feature"), checked over every crate's
//! sources: no file in a `src/` over 900 lines, and no two modules of a crate that import each
//! other, directly or round a circle (a module and its own parent or child do not count: a
//! parent declares its children, and a child may use what its parent shares).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 900;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every crate's `src` directory.
fn sources() -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(crates_dir()).expect("crates/").flatten() {
        let src = e.path().join("src");
        if src.is_dir() {
            out.push((e.file_name().to_string_lossy().into_owned(), src));
        }
    }
    out.sort();
    assert!(out.len() >= 5, "the crates are found: {out:?}");
    out
}

#[test]
fn no_source_file_is_over_900_lines() {
    let mut long = Vec::new();
    for (_, src) in sources() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        for f in files {
            let n = std::fs::read_to_string(&f).expect("readable").lines().count();
            if n > MAX_LINES {
                long.push(format!("{} ({n} lines)", f.display()));
            }
        }
    }
    assert!(long.is_empty(), "split these, or say in ARCHITECTURE.md why each is one thing:\n{}", long.join("\n"));
}

type Module = Vec<String>;

/// A file's module path inside its crate: `pages/mod.rs` → `[pages]`, `lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("inside src").with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n")
}

/// The paths a file names with `crate::…` or `super::…` (inside `{…}` lists too), as module
/// paths from the crate's root.
fn references(module: &Module, text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", module[..module.len().saturating_sub(1)].to_vec())] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            let path = |s: &str| -> Vec<String> {
                let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(s.len());
                s[..end].split("::").filter(|p| !p.is_empty()).map(str::to_string).collect()
            };
            let head = path(rest);
            let after = &rest[head.iter().map(|h| h.len() + 2).sum::<usize>().min(rest.len())..];
            if after.starts_with('{') {
                let list = &after[1..after.find('}').unwrap_or(after.len())];
                for item in list.split(',') {
                    let mut p = base.clone();
                    p.extend(head.iter().cloned());
                    p.extend(path(item.trim()));
                    out.push(p);
                }
            } else {
                let mut p = base.clone();
                p.extend(head);
                out.push(p);
            }
        }
    }
    out
}

/// Circles among a crate's modules: each strongly connected set of two or more.
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    // Tarjan, iteratively small: the graphs have a few hundred nodes.
    struct S<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<Module, usize>,
        low: BTreeMap<Module, usize>,
        stack: Vec<Module>,
        on: BTreeSet<Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit(s: &mut S<'_>, v: &Module) {
        let n = s.index.len();
        s.index.insert(v.clone(), n);
        s.low.insert(v.clone(), n);
        s.stack.push(v.clone());
        s.on.insert(v.clone());
        for w in s.edges.get(v).into_iter().flatten() {
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut set = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(&w);
                let done = &w == v;
                set.push(w);
                if done {
                    break;
                }
            }
            if set.len() > 1 {
                s.out.push(set);
            }
        }
    }
    let mut s = S {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_two_modules_of_a_crate_import_each_other() {
    let mut found = Vec::new();
    for (name, src) in sources() {
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let modules: BTreeMap<Module, String> =
            files.iter().map(|f| (module_of(&src, f), code(&std::fs::read_to_string(f).expect("readable")))).collect();
        let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
        for (m, text) in &modules {
            for r in references(m, text) {
                // The deepest module the path names.
                let Some(target) = (0..=r.len()).rev().map(|k| r[..k].to_vec()).find(|p| modules.contains_key(p))
                else {
                    continue;
                };
                let related = target.starts_with(m) || m.starts_with(&target);
                if !related {
                    edges.entry(m.clone()).or_default().insert(target);
                }
            }
        }
        for set in circles(&edges) {
            let names: Vec<String> = set.iter().map(|m| m.join("::")).collect();
            found.push(format!("{name}: {}", names.join(" ↔ ")));
        }
    }
    assert!(
        found.is_empty(),
        "modules that import each other (ARCHITECTURE.md, \"Adding a feature\"):\n{}",
        found.join("\n")
    );
}

#[test]
fn a_circle_is_found() {
    let m = |s: &str| -> Module { s.split("::").map(str::to_string).collect() };
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    edges.entry(m("a")).or_default().insert(m("b"));
    edges.entry(m("b")).or_default().insert(m("c"));
    edges.entry(m("c")).or_default().insert(m("a"));
    edges.entry(m("c")).or_default().insert(m("d"));
    assert_eq!(circles(&edges).len(), 1);
    let refs = references(&m("pages::sales"), "use super::{deal::X, form};\nlet y = crate::html::render(p);");
    assert!(refs.contains(&m("pages::deal::X")), "{refs:?}");
    assert!(refs.contains(&m("pages::form")), "{refs:?}");
    assert!(refs.contains(&m("html::render")), "{refs:?}");
}
