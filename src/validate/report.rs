//! Writing a validation report: for people (grouped by template and logical id), as JSON, and as
//! SARIF 2.1.0 for code scanning.

use std::io::Write;

use serde_json::json;

use super::rules::{self, Severity};
use super::{Finding, Report};

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The one-line summary.
pub fn summary(r: &Report) -> String {
    let mut s = format!(
        "{} validated: {}, {}",
        count(r.templates.len(), "template"),
        count(r.count(Severity::Error), "error"),
        count(r.count(Severity::Warning), "warning")
    );
    if r.count(Severity::Info) > 0 {
        s.push_str(&format!(", {}", count(r.count(Severity::Info), "note")));
    }
    if !r.suppressed.is_empty() {
        s.push_str(&format!(" ({} suppressed)", r.suppressed.len()));
    }
    s
}

fn place(f: &Finding) -> String {
    let ptr = if f.pointer.is_empty() { "/" } else { f.pointer.as_str() };
    match f.location {
        Some(l) => format!("{ptr} ({}:{})", l.line, l.column),
        None => ptr.to_string(),
    }
}

pub fn write_human(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let mut template = None;
    let mut id = None;
    for f in &r.findings {
        if template != Some(&f.template) {
            writeln!(out, "{}", f.template)?;
            template = Some(&f.template);
            id = None;
        }
        let this_id = f.logical_id().unwrap_or("(template)");
        if id != Some(this_id) {
            writeln!(out, "  {this_id}")?;
            id = Some(this_id);
        }
        writeln!(out, "    {} {} {}: {}", f.severity.as_str(), f.rule, place(f), f.message)?;
    }
    if !r.suppressed.is_empty() {
        writeln!(out, "suppressed (accepted on purpose, with the reason):")?;
        for (f, reason) in &r.suppressed {
            writeln!(out, "  {} {} {}: {} — reason: {reason}", f.template, f.rule, place(f), f.message)?;
        }
    }
    writeln!(out, "{}", summary(r))
}

fn finding_json(f: &Finding) -> serde_json::Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "template": f.template,
        "logical_id": f.logical_id(),
        "pointer": f.pointer,
        "line": f.location.map(|l| l.line),
        "column": f.location.map(|l| l.column),
        "message": f.message,
    })
}

pub fn write_json(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let suppressed: Vec<serde_json::Value> = r
        .suppressed
        .iter()
        .map(|(f, reason)| {
            let mut j = finding_json(f);
            j["reason"] = json!(reason);
            j
        })
        .collect();
    let doc = json!({
        "summary": {
            "templates": r.templates.len(),
            "errors": r.count(Severity::Error),
            "warnings": r.count(Severity::Warning),
            "notes": r.count(Severity::Info),
            "suppressed": r.suppressed.len(),
        },
        "findings": r.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "suppressed": suppressed,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// SARIF 2.1.0: one run, every rule described, results with file and region where known and the
/// JSON pointer as a logical location. Suppressed findings carry an accepted suppression.
/// See: <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>
pub fn write_sarif(r: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let rules: Vec<serde_json::Value> = rules::RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.id.replace(['/', '-'], "_"),
                "shortDescription": { "text": rule.title },
                "fullDescription": { "text": rule.rationale },
                "defaultConfiguration": { "level": level(rule.severity) },
            })
        })
        .collect();
    let result = |f: &Finding, suppression: Option<&str>| {
        let mut physical = json!({ "artifactLocation": { "uri": f.template } });
        if let Some(l) = f.location {
            physical["region"] = json!({ "startLine": l.line, "startColumn": l.column });
        }
        let mut res = json!({
            "ruleId": f.rule,
            "ruleIndex": rules::RULES.iter().position(|x| x.id == f.rule),
            "level": level(f.severity),
            "message": { "text": f.message },
            "locations": [{
                "physicalLocation": physical,
                "logicalLocations": [{ "fullyQualifiedName": f.pointer, "kind": "object" }],
            }],
        });
        if let Some(reason) = suppression {
            res["suppressions"] = json!([{ "kind": "external", "status": "accepted", "justification": reason }]);
        }
        res
    };
    let mut results: Vec<serde_json::Value> = r.findings.iter().map(|f| result(f, None)).collect();
    results.extend(r.suppressed.iter().map(|(f, reason)| result(f, Some(reason))));
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "sds",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-template-resource-type-ref.html",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
