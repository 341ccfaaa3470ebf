//! Templates on disk: reading one or many (every error reported, not just the first; only regular
//! files, of bounded size), finding the templates of a directory, and writing without leaving
//! anything half-written (a temporary directory or file beside the target, then a rename).
//!
//! Output ownership: an output directory that `sds` replaces as a whole carries a manifest
//! ([`MANIFEST`]) naming the files `sds` wrote there. `sds` replaces a directory only when it holds
//! nothing else, and never one that holds one of the command's inputs or the working directory.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use std::collections::BTreeSet;
use std::io::Read;

use anyhow::{bail, Context};
use sds_constructs::cfn::read::MAX_INPUT_BYTES;
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

/// Reads a text file of at most `MAX_INPUT_BYTES`: only regular files (a FIFO would block, a
/// device never end), refused before reading when too large, and UTF-8.
pub fn read_text(path: &Path) -> anyhow::Result<String> {
    let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        bail!("{}: is a directory", path.display());
    }
    if !meta.is_file() {
        bail!("{}: not a regular file (a FIFO, socket or device); sds reads only files", path.display());
    }
    let too_large = |len: u64| {
        anyhow::anyhow!(
            "{}: {len} bytes is more than sds reads ({} MiB; CloudFormation takes templates up to 1 MB)",
            path.display(),
            MAX_INPUT_BYTES >> 20
        )
    };
    if meta.len() > MAX_INPUT_BYTES as u64 {
        return Err(too_large(meta.len()));
    }
    let file = fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never take more than the limit.
    file.take(MAX_INPUT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |n| n + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        anyhow::anyhow!("{}:{line}:{column}: not UTF-8 text (byte offset {at})", path.display())
    })
}

/// Reads and parses one template.
pub fn load(path: &Path) -> anyhow::Result<Loaded> {
    let text = read_text(path)?;
    let format = detect_format(path, &text);
    let parsed = read_template(&text, &path.display().to_string(), format)?;
    Ok(Loaded { path: path.to_path_buf(), text, format, parsed })
}

/// Reads every file; fails with all their errors if any fails.
pub fn load_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Loaded>> {
    load_each(paths, Vec::new())
}

/// Reads every file; fails with all their errors, after `errors` met before, if there are any.
fn load_each(paths: &[PathBuf], mut errors: Vec<String>) -> anyhow::Result<Vec<Loaded>> {
    let mut loaded = Vec::new();
    // Read and parsed on the machine's cores; kept (and errors reported) in the paths' order.
    for r in crate::par::map(paths, crate::par::workers(), |p| load(p)) {
        match r {
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

/// The files named by `paths`, each directory standing for the templates directly inside it, and
/// every error met on the way (an unreadable or empty directory), so all are reported at once.
pub fn gather(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let (mut files, mut errors) = (Vec::new(), Vec::new());
    for p in paths {
        if p.is_dir() {
            match template_files(p) {
                Ok(found) => files.extend(found),
                Err(e) => errors.push(format!("{e:#}")),
            }
        } else {
            files.push(p.clone());
        }
    }
    (files, errors)
}

/// Reads every template that `paths` name (see [`gather`]); fails with all the errors if any.
pub fn load_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<Loaded>> {
    let (found, errors) = gather(paths);
    load_each(&found, errors)
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

/// The file in an output directory naming what `sds` wrote there, one relative path a line.
pub const MANIFEST: &str = ".sds-manifest";

/// First lines of a manifest.
const MANIFEST_HEADER: &str =
    "# Written by sds: the files below are its output, which it replaces as a whole on its next run.\n";

/// A file `sds synth` wrote before manifests existed starts with this.
const LEGACY_MARK: &[u8] = b"# Generated by `sds synth`";

/// An output directory's files: relative path ('/'-separated) → contents.
pub type Outputs = Vec<(String, Vec<u8>)>;

/// A temporary directory beside `dir` (same file system, so it can be renamed into place)
/// holding `files` (relative paths, '/'-separated), and the parent it is in.
fn staged_beside(dir: &Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<(PathBuf, tempfile::TempDir)> {
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
        let p = name.split('/').fold(tmp.path().to_path_buf(), |p, part| p.join(part));
        if let Some(d) = p.parent() {
            fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        }
        fs::write(&p, contents).with_context(|| format!("cannot write {}", p.display()))?;
    }
    Ok((parent, tmp))
}

/// The relative paths a manifest lists (none when `dir` has no manifest).
fn manifest_entries(dir: &Path) -> anyhow::Result<BTreeSet<String>> {
    let path = dir.join(MANIFEST);
    if !path.exists() {
        return Ok(BTreeSet::new());
    }
    let text = read_text(&path)?;
    Ok(text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string).collect())
}

/// The manifest's text for `names`.
fn manifest_text<'a>(names: impl IntoIterator<Item = &'a String>) -> Vec<u8> {
    let mut text = String::from(MANIFEST_HEADER);
    for n in names.into_iter().collect::<BTreeSet<_>>() {
        text.push_str(n);
        text.push('\n');
    }
    text.into_bytes()
}

/// Every file and directory under `dir` (relative, '/'-separated; symbolic links and other
/// non-files too, as they are not sds's), sorted.
fn entries_under(dir: &Path) -> anyhow::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut todo = vec![(String::new(), dir.to_path_buf())];
    while let Some((rel, path)) = todo.pop() {
        for entry in fs::read_dir(&path).with_context(|| format!("cannot read directory {}", path.display()))? {
            let entry = entry.with_context(|| format!("cannot read directory {}", path.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            let kind = entry.file_type().with_context(|| format!("cannot read {}", entry.path().display()))?;
            if kind.is_dir() {
                out.push((format!("{rel}/"), entry.path()));
                todo.push((rel, entry.path()));
            } else {
                out.push((rel, entry.path()));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Whether `path` is a regular file `sds synth` wrote before it kept manifests.
fn legacy_output(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else { return false };
    let mut head = [0u8; LEGACY_MARK.len()];
    meta.is_file() && fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && head == LEGACY_MARK
}

/// Whether `inner` is `outer` or lies inside it (both canonical).
fn within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}

/// Refuses an output directory `sds` may not replace or write into: one that holds an input, the
/// working directory, or (with `whole`, when it is replaced as a whole) any file that its
/// manifest does not name. `names` are the files about to be written: without `whole`, an
/// existing file among them must be named in the manifest too.
pub fn check_output_dir(dir: &Path, inputs: &[PathBuf], names: &[String], whole: bool) -> anyhow::Result<()> {
    let Ok(meta) = fs::symlink_metadata(dir) else { return Ok(()) };
    let shown = dir.display();
    if !meta.is_dir() {
        if meta.file_type().is_symlink() && dir.is_dir() && whole {
            bail!("{shown} is a symbolic link; name the directory it points to, or a new directory");
        }
        bail!("{shown} exists and is not a directory");
    }
    let real = dir.canonicalize().with_context(|| format!("cannot resolve {shown}"))?;
    if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) {
        if whole && within(&cwd, &real) {
            bail!("{shown} is or holds the working directory: sds will not write its output there; choose a new or empty directory");
        }
    }
    for input in inputs {
        if let Ok(i) = input.canonicalize() {
            if within(&i, &real) {
                bail!(
                    "{shown} holds the input {}: an output never replaces an input; choose another directory",
                    input.display()
                );
            }
        }
    }
    let owned = manifest_entries(dir)?;
    let foreign: Vec<String> = if whole {
        entries_under(dir)?
            .into_iter()
            .filter(|(rel, path)| {
                let sds_dir = rel.ends_with('/') && owned.iter().any(|o| o.starts_with(rel.as_str()));
                rel != MANIFEST && !sds_dir && !owned.contains(rel) && !legacy_output(path)
            })
            .map(|(rel, _)| rel)
            .collect()
    } else {
        names
            .iter()
            .filter(|n| dir.join(n).exists() && !owned.contains(*n) && !legacy_output(&dir.join(n)))
            .cloned()
            .collect()
    };
    if foreign.is_empty() {
        return Ok(());
    }
    let listed: Vec<&str> = foreign.iter().take(5).map(String::as_str).collect();
    let more = if foreign.len() > 5 { format!(" and {} more", foreign.len() - 5) } else { String::new() };
    if whole {
        bail!(
            "{shown} holds files sds did not write ({}{more}); sds replaces its output directory as a whole, so it refuses: choose a new or empty directory, or move those files away",
            listed.join(", ")
        );
    }
    bail!(
        "{shown} already has {}{more}, which sds did not write; it will not overwrite them: choose a new or empty directory, or move them away",
        listed.join(", ")
    )
}

/// Writes `files` (name, contents) into `dir`, next to what is there, and records them in its
/// manifest. Everything is written into a temporary directory beside `dir` first; then that
/// directory becomes `dir` (when `dir` did not exist) or each file is renamed into it. A failure
/// before the renames leaves `dir` as it was. Call [`check_output_dir`] first.
pub fn write_files_atomically(dir: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    let mut all: Outputs = files.iter().map(|(n, c)| (n.clone(), c.clone().into_bytes())).collect();
    let mut names = manifest_entries(dir).unwrap_or_default();
    names.extend(files.iter().map(|(n, _)| n.clone()));
    all.push((MANIFEST.to_string(), manifest_text(&names)));
    let (_, tmp) = staged_beside(dir, &all)?;
    if !dir.exists() {
        let tmp_path = tmp.keep();
        fs::rename(&tmp_path, dir).with_context(|| format!("cannot move the output into {}", dir.display()))?;
        return Ok(());
    }
    if !dir.is_dir() {
        bail!("{} exists and is not a directory", dir.display());
    }
    for (name, _) in &all {
        let (from, to) = (tmp.path().join(name), dir.join(name));
        fs::rename(&from, &to).with_context(|| format!("cannot write {}", to.display()))?;
    }
    Ok(())
}

/// Replaces one file's contents through a temporary file in the same directory. A symbolic link
/// stays a link: the file it points to is the one replaced.
pub fn replace_file_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    let resolved = fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let path = resolved.as_path();
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

/// Replaces `dir` with a directory holding exactly `files` (relative paths, '/'-separated) and a
/// manifest naming them: they are written to a temporary directory beside it, which then takes
/// its place; the old directory is removed last. If the swap fails, the old directory is put
/// back. Refuses (see [`check_output_dir`]) a directory holding anything `sds` did not write, an
/// input or the working directory.
pub fn replace_dir_atomically(dir: &Path, files: Outputs, inputs: &[PathBuf]) -> anyhow::Result<()> {
    stage_dir(dir, files, inputs)?.commit()
}

/// A replacement of a directory written beside it and not yet swapped in (see
/// [`replace_dir_atomically`]): [`Staged::commit`] swaps it in; dropped, it is removed and the
/// directory is left as it was.
pub struct Staged {
    dir: PathBuf,
    parent: PathBuf,
    tmp: tempfile::TempDir,
}

/// The first half of [`replace_dir_atomically`]: the checks, and the files written to a temporary
/// directory beside `dir`. Nothing in `dir` changes until [`Staged::commit`].
pub fn stage_dir(dir: &Path, files: Outputs, inputs: &[PathBuf]) -> anyhow::Result<Staged> {
    check_output_dir(dir, inputs, &[], true)?;
    let mut files = files;
    let manifest = manifest_text(files.iter().map(|(n, _)| n));
    files.push((MANIFEST.to_string(), manifest));
    let (parent, tmp) = staged_beside(dir, &files)?;
    Ok(Staged { dir: dir.to_path_buf(), parent, tmp })
}

impl Staged {
    /// Swaps the staged directory in; the old one is removed last.
    pub fn commit(self) -> anyhow::Result<()> {
        let Staged { dir, parent, tmp } = self;
        let old = dir.exists().then(|| parent.join(format!(".sds-old-{}", std::process::id())));
        if let Some(old) = &old {
            fs::rename(&dir, old).with_context(|| format!("cannot move {} aside", dir.display()))?;
        }
        let new = tmp.keep();
        if let Err(e) = fs::rename(&new, &dir) {
            if let Some(old) = &old {
                let _ = fs::rename(old, &dir);
            }
            let _ = fs::remove_dir_all(&new);
            return Err(e).with_context(|| format!("cannot move the output into {}", dir.display()));
        }
        if let Some(old) = old {
            fs::remove_dir_all(&old).with_context(|| format!("cannot remove the previous {}", old.display()))?;
        }
        Ok(())
    }
}
