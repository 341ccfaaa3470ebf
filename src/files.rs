//! Templates on disk: reading one or many (every error reported, not just the first), finding the
//! templates of a directory, and writing without leaving anything half-written (a temporary
//! directory or file beside the target, then a rename).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use sds_constructs::cfn::{format_of, read_template, Format, Parsed};

/// File endings taken as templates when a directory is given.
pub const TEMPLATE_EXTENSIONS: &[&str] = &["yaml", "yml", "json", "template"];

/// One template read from disk.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub format: Format,
    pub parsed: Parsed,
}

/// Several errors, one per line.
#[derive(Debug)]
pub struct Errors(pub Vec<String>);

impl fmt::Display for Errors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("\n"))
    }
}

impl std::error::Error for Errors {}

/// The format of a file: `.json` is JSON, `.template` is JSON when it starts with `{`, the rest YAML.
fn detect_format(path: &Path, text: &str) -> Format {
    let name = path.to_string_lossy();
    if name.ends_with(".template") && text.trim_start().starts_with('{') {
        return Format::Json;
    }
    format_of(&name)
}

/// Reads and parses one template.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let bytes = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let text = String::from_utf8(bytes).map_err(|e| anyhow::anyhow!("{}: not UTF-8 text ({e})", path.display()))?;
    let format = detect_format(path, &text);
    let parsed = read_template(&text, &path.display().to_string(), format)?;
    Ok(Loaded { path: path.to_path_buf(), text, format, parsed })
}

/// Reads every file; fails with all their errors if any fails.
pub fn load_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Loaded>> {
    let mut loaded = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match load(p) {
            Ok(l) => loaded.push(l),
            Err(e) => errors.push(format!("{e:#}")),
        }
    }
    if errors.is_empty() {
        Ok(loaded)
    } else {
        Err(Errors(errors).into())
    }
}

/// The template files directly inside `dir`, sorted by name. No templates is an error.
pub fn template_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot read directory {}", dir.display()))? {
        let path = entry.with_context(|| format!("cannot read directory {}", dir.display()))?.path();
        let is_template = path.extension().and_then(|e| e.to_str()).is_some_and(|e| TEMPLATE_EXTENSIONS.contains(&e));
        if is_template && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        bail!("{}: no templates (files ending in .{})", dir.display(), TEMPLATE_EXTENSIONS.join(", ."));
    }
    files.sort();
    Ok(files)
}

/// The file name of `path` as text.
pub fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// A temporary directory beside `dir` (same file system, so it can be renamed into place)
/// holding `files`, and the parent it is in.
fn staged_beside(dir: &Path, files: &[(String, String)]) -> anyhow::Result<(PathBuf, tempfile::TempDir)> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".sds-tmp-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a temporary directory in {}", parent.display()))?;
    for (name, contents) in files {
        let p = tmp.path().join(name);
        fs::write(&p, contents).with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok((parent, tmp))
}

/// Writes `files` (name, contents) into `dir`. Everything is written into a temporary directory
/// beside `dir` first; then that directory becomes `dir` (when `dir` did not exist) or each file
/// is renamed into it. A failure before the renames leaves `dir` as it was.
pub fn write_files_atomically(dir: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    let (_, tmp) = staged_beside(dir, files)?;
    if !dir.exists() {
        let tmp_path = tmp.keep();
        fs::rename(&tmp_path, dir).with_context(|| format!("cannot move the output into {}", dir.display()))?;
        return Ok(());
    }
    if !dir.is_dir() {
        bail!("{} exists and is not a directory", dir.display());
    }
    for (name, _) in files {
        let (from, to) = (tmp.path().join(name), dir.join(name));
        fs::rename(&from, &to).with_context(|| format!("cannot write {}", to.display()))?;
    }
    Ok(())
}

/// Replaces one file's contents through a temporary file in the same directory.
pub fn replace_file_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, contents.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if let Ok(meta) = fs::metadata(path) {
        // Keep the file's permissions; a failure here only loses those, not the content.
        let _ = fs::set_permissions(tmp.path(), meta.permissions());
    }
    tmp.persist(path).with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

/// Replaces `dir` with a directory holding exactly `files`: they are written to a temporary
/// directory beside it, which then takes its place; the old directory is removed last. If the
/// swap fails, the old directory is put back.
pub fn replace_dir_atomically(dir: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    let (parent, tmp) = staged_beside(dir, files)?;
    if dir.exists() && !dir.is_dir() {
        bail!("{} exists and is not a directory", dir.display());
    }
    let old = dir.exists().then(|| parent.join(format!(".sds-old-{}", std::process::id())));
    if let Some(old) = &old {
        fs::rename(dir, old).with_context(|| format!("cannot move {} aside", dir.display()))?;
    }
    let new = tmp.keep();
    if let Err(e) = fs::rename(&new, dir) {
        if let Some(old) = &old {
            let _ = fs::rename(old, dir);
        }
        let _ = fs::remove_dir_all(&new);
        return Err(e).with_context(|| format!("cannot move the output into {}", dir.display()));
    }
    if let Some(old) = old {
        fs::remove_dir_all(&old).with_context(|| format!("cannot remove the previous {}", old.display()))?;
    }
    Ok(())
}
