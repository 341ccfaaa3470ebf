//! Rendering a review with the minijinja templates of `templates/` (embedded, so the binary works
//! anywhere): markdown for a pull-request comment, human text for a terminal, and JSON.
//!
//! Markdown stays under GitHub's comment limit: the summary and the sections are always whole;
//! the details (one `<details>` block per template) are cut when they do not fit, and the report
//! says so.
//! See: <https://docs.github.com/en/rest/issues/comments> (a comment body is at most 65,536 characters)

use minijinja::{Environment, Value as MJ};
use serde_json::Value as J;

/// GitHub's limit on a comment body, in characters.
pub const COMMENT_LIMIT: usize = 65_536;

/// Room kept for the truncation note and a margin.
const NOTE_ROOM: usize = 600;

const MARKDOWN: &str = include_str!("../../templates/review.md.j2");
const MARKDOWN_DETAILS: &str = include_str!("../../templates/review_details.md.j2");
const HUMAN: &str = include_str!("../../templates/review.txt.j2");

fn env(color: bool) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(true);
    // The templates are ours: a template error is a bug, reported as an error (exit 2), not a panic.
    let _ = env.add_template("review.md", MARKDOWN);
    let _ = env.add_template("review_details.md", MARKDOWN_DETAILS);
    let _ = env.add_template("review.txt", HUMAN);
    let paint = move |code: &'static str| move |s: String| if color { format!("\x1b[{code}m{s}\x1b[0m") } else { s };
    env.add_filter("red", paint("31"));
    env.add_filter("green", paint("32"));
    env.add_filter("yellow", paint("33"));
    env.add_filter("bold", paint("1"));
    env.add_filter("code", code);
    env.add_filter("cell", cell);
    env
}

/// Inline code that survives any content: a fence longer than any run of backticks inside.
fn code(s: String) -> String {
    if s.is_empty() {
        return String::new();
    }
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    cell(format!("{fence}{pad}{s}{pad}{fence}"))
}

/// Text that stays inside one markdown table cell.
fn cell(s: String) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The report as a template value. Built by hand: serde_json's arbitrary-precision numbers
/// (a workspace feature) serialize as a private map that templates cannot compute with.
pub(crate) fn value(j: &J) -> MJ {
    match j {
        J::Null => MJ::from(()),
        J::Bool(b) => MJ::from(*b),
        J::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => MJ::from(i),
            (None, Some(f)) => MJ::from(f),
            _ => MJ::from(n.to_string()),
        },
        J::String(s) => MJ::from(s.as_str()),
        J::Array(a) => MJ::from(a.iter().map(value).collect::<Vec<_>>()),
        J::Object(o) => MJ::from_iter(o.iter().map(|(k, v)| (k.clone(), value(v)))),
    }
}

fn render(env: &Environment, name: &str, ctx: MJ) -> anyhow::Result<String> {
    let t = env.get_template(name).map_err(|e| anyhow::anyhow!("report template {name}: {e:#}"))?;
    t.render(ctx).map_err(|e| anyhow::anyhow!("report template {name}: {e:#}"))
}

pub fn human(report: &J, color: bool) -> anyhow::Result<String> {
    render(&env(color), "review.txt", value(report))
}

pub fn json(report: &J) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(report)? + "\n")
}

/// The longest run of backticks in any string of `j`.
fn longest_backticks(j: &J) -> usize {
    match j {
        J::String(s) => s.split(|c| c != '`').map(str::len).max().unwrap_or(0),
        J::Array(a) => a.iter().map(longest_backticks).max().unwrap_or(0),
        J::Object(o) => o.values().map(longest_backticks).max().unwrap_or(0),
        _ => 0,
    }
}

/// The markdown comment, at most `limit` characters (the details cut as needed).
pub fn markdown(report: &J, limit: usize) -> anyhow::Result<String> {
    let env = env(false);
    let details = report.get("details").and_then(J::as_array).cloned().unwrap_or_default();
    // Each block's code fence is longer than any run of backticks in its values.
    let fences: Vec<String> = details.iter().map(|d| "`".repeat(3.max(longest_backticks(d) + 1))).collect();
    let blocks: Vec<String> = details
        .iter()
        .zip(&fences)
        .map(|(d, fence)| render(&env, "review_details.md", minijinja::context! { d => value(d), fence => fence }))
        .collect::<anyhow::Result<_>>()?;
    let r = value(report);
    let main = |blocks: &[String], omitted: usize, cut: bool| {
        let ctx = minijinja::context! {
            r => r.clone(),
            blocks => blocks,
            omitted => omitted,
            cut => cut,
            limit => limit,
        };
        render(&env, "review.md", ctx)
    };
    let full = main(&blocks, 0, false)?;
    if full.chars().count() <= limit {
        return Ok(full);
    }
    let base = main(&[], blocks.len(), true)?.chars().count();
    let mut budget = limit.saturating_sub(base + NOTE_ROOM);
    let mut kept = Vec::new();
    let mut cut = false;
    for (b, fence) in blocks.iter().zip(&fences) {
        let n = b.chars().count();
        if n <= budget {
            budget -= n;
            kept.push(b.clone());
            continue;
        }
        // The first block that does not fit is cut at a line, and closed.
        let closing = format!("… (cut here)\n{fence}\n\n</details>\n");
        let room = closing.chars().count();
        if budget > room + 200 {
            let mut part = String::new();
            let mut used = 0;
            for line in b.lines() {
                let n = line.chars().count() + 1;
                if used + n + room > budget {
                    break;
                }
                part.push_str(line);
                part.push('\n');
                used += n;
            }
            part.push_str(&closing);
            kept.push(part);
            cut = true;
        }
        break;
    }
    let omitted = blocks.len() - kept.len() + usize::from(cut);
    main(&kept, omitted, true)
}
