//! `sds diff`: compares two templates, or two directories of templates matched by file name, as
//! CloudFormation reads them (see `sds_constructs::cfn::compare`), and reports per template what
//! was added, removed or changed, with paths and old → new values.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use sds_constructs::cfn::json::to_serde;
use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{diff_templates, ChangeKind, EntryDiff, Value};
use serde_json::json;

use crate::cli::{ColorChoice, DiffArgs, ReportFormat};
use crate::files::{self, Loaded};
use crate::style::Paint;

/// How one template compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Equal,
    Different,
    OnlyInOld,
    OnlyInNew,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Equal => "equal",
            Status::Different => "different",
            Status::OnlyInOld => "only in old",
            Status::OnlyInNew => "only in new",
        }
    }
}

/// The comparison of one template.
#[derive(Debug)]
pub struct TemplateReport {
    pub name: String,
    pub status: Status,
    pub entries: Vec<EntryDiff>,
}

/// A template name with its old and new file, either of which may be missing.
type Pair = (String, Option<PathBuf>, Option<PathBuf>);

/// The pairs to compare.
fn pairs(old: &Path, new: &Path) -> anyhow::Result<Vec<Pair>> {
    match (old.is_dir(), new.is_dir()) {
        (true, true) => {
            let mut by_name: BTreeMap<String, (Option<PathBuf>, Option<PathBuf>)> = BTreeMap::new();
            for p in files::template_files(old)? {
                let name = files::file_name(&p);
                by_name.entry(name).or_default().0 = Some(p);
            }
            for p in files::template_files(new)? {
                let name = files::file_name(&p);
                by_name.entry(name).or_default().1 = Some(p);
            }
            Ok(by_name.into_iter().map(|(n, (a, b))| (n, a, b)).collect())
        }
        (false, false) => {
            let (a, b) = (files::file_name(old), files::file_name(new));
            let name = if a == b { a } else { format!("{a} → {b}") };
            Ok(vec![(name, Some(old.to_path_buf()), Some(new.to_path_buf()))])
        }
        (true, false) => bail!("cannot compare the directory {} with the file {}", old.display(), new.display()),
        (false, true) => bail!("cannot compare the file {} with the directory {}", old.display(), new.display()),
    }
}

/// Compares OLD and NEW (files or directories).
pub fn compare(old: &Path, new: &Path) -> anyhow::Result<Vec<TemplateReport>> {
    let pairs = pairs(old, new)?;
    let paths: Vec<PathBuf> = pairs.iter().flat_map(|(_, a, b)| a.iter().chain(b.iter()).cloned()).collect();
    let loaded = files::load_all(&paths)?;
    let find =
        |p: &Option<PathBuf>| -> Option<&Loaded> { p.as_ref().and_then(|p| loaded.iter().find(|l| &l.path == p)) };
    let mut reports = Vec::new();
    for (name, a, b) in &pairs {
        let report = match (find(a), find(b)) {
            (Some(a), Some(b)) => {
                let entries = diff_templates(&a.parsed.template, &b.parsed.template);
                let status = if entries.is_empty() { Status::Equal } else { Status::Different };
                TemplateReport { name: name.clone(), status, entries }
            }
            (Some(_), None) => TemplateReport { name: name.clone(), status: Status::OnlyInOld, entries: Vec::new() },
            _ => TemplateReport { name: name.clone(), status: Status::OnlyInNew, entries: Vec::new() },
        };
        reports.push(report);
    }
    Ok(reports)
}

pub fn run(args: &DiffArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if args.format == ReportFormat::Json && args.color.is_some() {
        anyhow::bail!("--color applies to the human output; --format json is never coloured");
    }
    let reports = compare(&args.old, &args.new)?;
    match args.format {
        ReportFormat::Human => write_human(&reports, Paint::for_stdout(args.color.unwrap_or(ColorChoice::Auto)), out)?,
        ReportFormat::Json => write_json(&reports, out)?,
    }
    let same = reports.iter().all(|r| r.status == Status::Equal);
    Ok(if same { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The type of an added or removed resource, for its heading.
fn resource_type(e: &EntryDiff) -> Option<String> {
    let c = e.changes.first()?;
    let v = c.new.as_ref().or(c.old.as_ref())?;
    v.as_map()?.get("Type").and_then(Value::as_str).map(str::to_string)
}

fn show(v: &Option<Value>) -> String {
    v.as_ref().map(inline).unwrap_or_else(|| "(absent)".to_string())
}

pub fn write_human(reports: &[TemplateReport], paint: Paint, out: &mut dyn Write) -> std::io::Result<()> {
    for r in reports {
        let changes: usize = r.entries.iter().map(|e| e.changes.len()).sum();
        match r.status {
            Status::Equal => writeln!(out, "{}: equal", r.name)?,
            Status::OnlyInOld => writeln!(out, "{}: {}", paint.bold(&r.name), paint.red("only in old"))?,
            Status::OnlyInNew => writeln!(out, "{}: {}", paint.bold(&r.name), paint.green("only in new"))?,
            Status::Different => writeln!(out, "{}: {}", paint.bold(&r.name), count(changes, "difference"))?,
        }
        let mut section = "";
        for e in &r.entries {
            if e.section != section {
                section = e.section;
                if e.id.is_some() {
                    writeln!(out, "  {section}")?;
                }
            }
            let (mark, id_paint): (&str, fn(Paint, &str) -> String) = match e.kind {
                ChangeKind::Added => ("+", Paint::green),
                ChangeKind::Removed => ("-", Paint::red),
                ChangeKind::Changed => ("~", Paint::yellow),
            };
            match &e.id {
                Some(id) => {
                    let ty = resource_type(e).map(|t| format!(" ({t})")).unwrap_or_default();
                    writeln!(out, "    {} {id}{ty}", id_paint(paint, mark))?;
                    if e.kind == ChangeKind::Changed {
                        for c in &e.changes {
                            write_change(out, paint, "        ", c)?;
                        }
                    }
                }
                None => {
                    for c in &e.changes {
                        write_change(out, paint, "  ", c)?;
                    }
                }
            }
        }
    }
    let n = |s: Status| reports.iter().filter(|r| r.status == s).count();
    let mut summary = format!("{} compared: {} equal", count(reports.len(), "template"), n(Status::Equal));
    for s in [Status::Different, Status::OnlyInOld, Status::OnlyInNew] {
        if n(s) > 0 {
            summary.push_str(&format!(", {} {}", n(s), s.as_str()));
        }
    }
    writeln!(out, "{summary}")
}

fn write_change(
    out: &mut dyn Write,
    paint: Paint,
    indent: &str,
    c: &sds_constructs::cfn::Change,
) -> std::io::Result<()> {
    match c.kind {
        ChangeKind::Added => writeln!(out, "{indent}{} {}: {}", paint.green("+"), c.path, paint.green(&show(&c.new))),
        ChangeKind::Removed => writeln!(out, "{indent}{} {}: {}", paint.red("-"), c.path, paint.red(&show(&c.old))),
        ChangeKind::Changed => writeln!(
            out,
            "{indent}{} {}: {} → {}",
            paint.yellow("~"),
            c.path,
            paint.red(&show(&c.old)),
            paint.green(&show(&c.new))
        ),
    }
}

pub fn write_json(reports: &[TemplateReport], out: &mut dyn Write) -> std::io::Result<()> {
    let templates: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let changes: Vec<serde_json::Value> = r
                .entries
                .iter()
                .flat_map(|e| {
                    e.changes.iter().map(move |c| {
                        json!({
                            "section": e.section,
                            "id": e.id,
                            "entry": e.kind.as_str(),
                            "kind": c.kind.as_str(),
                            "path": c.path,
                            "old": c.old.as_ref().map(to_serde),
                            "new": c.new.as_ref().map(to_serde),
                        })
                    })
                })
                .collect();
            json!({ "name": r.name, "status": r.status.as_str().replace(' ', "_"), "changes": changes })
        })
        .collect();
    let n = |s: Status| reports.iter().filter(|r| r.status == s).count();
    let doc = json!({
        "equal": reports.iter().all(|r| r.status == Status::Equal),
        "summary": {
            "compared": reports.len(),
            "equal": n(Status::Equal),
            "different": n(Status::Different),
            "only_in_old": n(Status::OnlyInOld),
            "only_in_new": n(Status::OnlyInNew),
        },
        "templates": templates,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
