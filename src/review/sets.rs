//! The two sides of a review: sets of templates by file name, read from files or directories,
//! from a git revision (`git show`, no checkout), or from the synthesized platform; and how they
//! nest (a nested stack's `TemplateURL`, a Service Catalog product's `LoadTemplateFromURL`).
//!
//! Depends on the model and on `files` for bounded reading; knows nothing about rendering.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use anyhow::{bail, Context};
use sds_constructs::cfn::read::MAX_INPUT_BYTES;
use sds_constructs::cfn::{format_of, read_template, Format, Template, Value};

use crate::files;

/// One template of a set.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Shared with the validation of its side (`findings`).
    pub template: Arc<Template>,
    /// Size of its text in bytes (validation's body-size limits).
    pub body_len: usize,
    /// Its text: a template whose text is the same on both sides keeps its validation.
    pub text: Arc<str>,
}

/// Templates by file name.
pub type Set = BTreeMap<String, Entry>;

/// Reads the templates OLD and NEW name (both files or both directories, as `sds diff`). Two
/// files with different names are compared under the new name.
pub fn from_paths(old: &Path, new: &Path) -> anyhow::Result<(Set, Set)> {
    match (old.is_dir(), new.is_dir()) {
        (true, true) => {
            // Read (and parse) both sides at the same time.
            let (a, b) = std::thread::scope(|scope| {
                let a = scope.spawn(|| from_dir(old));
                let b = from_dir(new);
                (a.join(), b)
            });
            let a = a.unwrap_or_else(|e| std::panic::resume_unwind(e));
            match (a, b) {
                (Ok(a), Ok(b)) => Ok((a, b)),
                (Err(a), Err(b)) => Err(files::Errors(vec![format!("{a:#}"), format!("{b:#}")]).into()),
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
        (false, false) => {
            let name = files::file_name(new);
            let load = |p: &Path| -> anyhow::Result<Set> {
                let l = files::load(p)?;
                Ok(Set::from([(name.clone(), entry(l.parsed.template, l.text))]))
            };
            // Every bad file is reported, not just the first.
            match (load(old), load(new)) {
                (Ok(a), Ok(b)) => Ok((a, b)),
                (Err(a), Err(b)) => Err(files::Errors(vec![format!("{a:#}"), format!("{b:#}")]).into()),
                (Err(e), _) | (_, Err(e)) => Err(e),
            }
        }
        (true, false) => bail!("cannot compare the directory {} with the file {}", old.display(), new.display()),
        (false, true) => bail!("cannot compare the file {} with the directory {}", old.display(), new.display()),
    }
}

/// The templates directly in `dir`.
pub fn from_dir(dir: &Path) -> anyhow::Result<Set> {
    let loaded = files::load_all(&files::template_files(dir)?)?;
    Ok(loaded.into_iter().map(|l| (files::file_name(&l.path), entry(l.parsed.template, l.text))).collect())
}

/// Parses one template's text; `origin` names it in errors.
pub fn parse(text: &str, origin: &str, format: Format) -> anyhow::Result<Entry> {
    let parsed = read_template(text, origin, format)?;
    Ok(entry(parsed.template, text.to_string()))
}

fn entry(template: Template, text: String) -> Entry {
    Entry { template: Arc::new(template), body_len: text.len(), text: text.into() }
}

/// The synthesized files (name, text) as a set.
pub fn from_rendered(rendered: &[(String, String)]) -> anyhow::Result<Set> {
    rendered.iter().map(|(name, text)| Ok((name.clone(), parse(text, name, format_of(name))?))).collect()
}

fn git(args: &[&str]) -> anyhow::Result<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .output()
        .with_context(|| format!("cannot run git {} (is git installed?)", args.join(" ")))?;
    if !out.status.success() {
        bail!("git {} failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(out.stdout)
}

/// The templates directly in `dir` as committed at `rev`, read with `git ls-tree` and `git show`
/// (the working tree and index are left alone). Paths are relative to the working directory.
pub fn from_git(rev: &str, dir: &Path) -> anyhow::Result<Set> {
    if rev.starts_with('-') {
        bail!("--git {rev}: not a revision");
    }
    let commit = String::from_utf8_lossy(
        &git(&["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")])
            .with_context(|| format!("--git {rev}: no such commit"))?,
    )
    .trim()
    .to_string();
    let spec = format!("{}/", dir.display().to_string().trim_end_matches('/'));
    let listing = git(&["ls-tree", "-z", "--name-only", &commit, "--", &spec])?;
    let mut set = Set::new();
    let mut errors = Vec::new();
    for path in listing.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        let name = path.rsplit('/').next().unwrap_or(&path).to_string();
        let is_template = name.rsplit_once('.').is_some_and(|(_, ext)| files::TEMPLATE_EXTENSIONS.contains(&ext));
        if !is_template {
            continue;
        }
        let origin = format!("{rev}:{path}");
        let size = git(&["cat-file", "-s", &format!("{commit}:./{path}")])?;
        let size: usize = String::from_utf8_lossy(&size).trim().parse().unwrap_or(usize::MAX);
        if size > MAX_INPUT_BYTES {
            errors.push(format!("{origin}: {size} bytes is more than sds reads ({} MiB)", MAX_INPUT_BYTES >> 20));
            continue;
        }
        let bytes = git(&["cat-file", "blob", &format!("{commit}:./{path}")])?;
        let Ok(text) = String::from_utf8(bytes) else {
            errors.push(format!("{origin}: not UTF-8 text"));
            continue;
        };
        match parse(&text, &origin, format_of(&name)) {
            Ok(e) => {
                set.insert(name, e);
            }
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if !errors.is_empty() {
        return Err(files::Errors(errors).into());
    }
    // Nothing there at `rev` (the change adds the directory): every template is new.
    Ok(set)
}

/// The file a nested stack or a product points at: the last segment of its URL.
fn child_name(url: &Value) -> Option<&str> {
    let s = url.as_str()?;
    Some(s.rsplit('/').next().unwrap_or(s))
}

/// The templates `t` nests: (logical id, file name), from nested stacks' `TemplateURL` and
/// Service Catalog products' `LoadTemplateFromURL`.
pub fn children(t: &Template) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (id, r) in &t.resources {
        match r.type_.as_str() {
            "AWS::CloudFormation::Stack" => {
                if let Some(name) = r.properties.get("TemplateURL").and_then(child_name) {
                    out.push((id.clone(), name.to_string()));
                }
            }
            "AWS::ServiceCatalog::CloudFormationProduct" => {
                let artifacts = match r.properties.get("ProvisioningArtifactParameters") {
                    Some(Value::List(l)) => l.as_slice(),
                    _ => &[],
                };
                for a in artifacts {
                    let url = a.as_map().and_then(|m| m.get("Info")).and_then(Value::as_map);
                    if let Some(name) = url.and_then(|m| m.get("LoadTemplateFromURL")).and_then(child_name) {
                        out.push((id.clone(), name.to_string()));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The order templates are reported in: each root, then what it nests under it (depth first),
/// with each template's depth and parent. Templates of either side are included.
pub fn tree(old: &Set, new: &Set) -> Vec<(String, usize, Option<String>)> {
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut kids: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for side in [new, old] {
        for (name, e) in side {
            for (_, child) in children(&e.template) {
                if let Some(child) = names.get(&child.to_string()) {
                    if child.as_str() != name.as_str() && !parent.contains_key(child.as_str()) {
                        parent.insert(child.as_str(), name.as_str());
                        kids.entry(name.as_str()).or_default().push(child.as_str());
                    }
                }
            }
        }
    }
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    // Roots first; whatever a cycle left unreached is then listed as a root.
    let roots: Vec<&str> = names.iter().map(|n| n.as_str()).filter(|n| !parent.contains_key(n)).collect();
    let rest: Vec<&str> = names.iter().map(|n| n.as_str()).collect();
    for start in roots.into_iter().chain(rest) {
        let mut stack = vec![(start, 0usize)];
        while let Some((n, depth)) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            let p = if depth == 0 { None } else { parent.get(n).map(|p| p.to_string()) };
            order.push((n.to_string(), depth, p));
            let mut ks = kids.get(n).cloned().unwrap_or_default();
            ks.sort();
            for k in ks.into_iter().rev() {
                stack.push((k, depth + 1));
            }
        }
    }
    order
}
