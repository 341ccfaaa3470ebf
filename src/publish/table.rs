//! How team stacks report their progress: a live table on a terminal (one line per stack: its
//! state and how long it has been at it), plain lines elsewhere (CI logs), on standard error; and
//! the final summary, rendered with `templates/teams_summary.txt.j2`.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

const SUMMARY: &str = include_str!("../../templates/teams_summary.txt.j2");

/// One line per stack.
pub struct Table {
    live: Option<(MultiProgress, Mutex<BTreeMap<String, ProgressBar>>)>,
}

impl Table {
    /// Live on a terminal (unless `NO_COLOR`-free plain output is forced with `plain`).
    pub fn for_stderr(plain: bool) -> Table {
        if plain || !std::io::stderr().is_terminal() {
            return Table { live: None };
        }
        Table { live: Some((MultiProgress::new(), Mutex::new(BTreeMap::new()))) }
    }

    /// Stack `stack` is now in `state`.
    pub fn set(&self, stack: &str, state: &str) {
        let Some((multi, bars)) = &self.live else {
            let _ = writeln!(std::io::stderr().lock(), "{stack}: {state}");
            return;
        };
        let Ok(mut bars) = bars.lock() else { return };
        let bar = bars.entry(stack.to_string()).or_insert_with(|| {
            let bar = multi.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix:<48} {elapsed:>4} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(stack.to_string());
            bar.enable_steady_tick(Duration::from_millis(200));
            bar
        });
        bar.set_message(state.to_string());
    }

    /// Stack `stack` is done: its line stays, with `state`.
    pub fn done(&self, stack: &str, state: &str) {
        self.set(stack, state);
        if let Some((_, bars)) = &self.live {
            if let Some(bar) = bars.lock().ok().and_then(|b| b.get(stack).cloned()) {
                bar.finish_with_message(state.to_string());
            }
        }
    }
}

/// What happened to one team stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
    Failed(String),
    /// Of a team no longer declared, without `--prune`.
    WouldBeDeleted,
    Deleted,
    DeleteFailed(String),
}

impl Outcome {
    /// Whether the run may exit 0 with it.
    pub fn ok(&self) -> bool {
        !matches!(self, Outcome::Failed(_) | Outcome::DeleteFailed(_))
    }

    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed(_) => "failed",
            Outcome::WouldBeDeleted => "would be deleted",
            Outcome::Deleted => "deleted",
            Outcome::DeleteFailed(_) => "delete failed",
        }
    }
}

/// A team stack and what happened to it.
#[derive(Debug, Clone)]
pub struct Row {
    pub team: String,
    pub stack: String,
    pub outcome: Outcome,
}

impl Row {
    /// `{"team", "stack", "outcome", "reason"}` for `--format json`.
    pub fn json(&self) -> serde_json::Value {
        let reason = match &self.outcome {
            Outcome::Failed(why) | Outcome::DeleteFailed(why) => Some(why.as_str()),
            _ => None,
        };
        serde_json::json!({"team": self.team, "stack": self.stack, "outcome": self.outcome.word(), "reason": reason})
    }
}

/// The summary text: counts per outcome, then every failure with its reason and the stacks
/// that would be deleted.
pub fn summary(rows: &[Row]) -> anyhow::Result<String> {
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_keep_trailing_newline(true);
    env.add_template("teams_summary", SUMMARY)?;
    let count = |w: &str| rows.iter().filter(|r| r.outcome.word() == w).count();
    let failed: Vec<serde_json::Value> = rows
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Failed(why) | Outcome::DeleteFailed(why) => {
                Some(serde_json::json!({"stack": r.stack, "what": r.outcome.word(), "reason": why}))
            }
            _ => None,
        })
        .collect();
    let would: Vec<&str> =
        rows.iter().filter(|r| r.outcome == Outcome::WouldBeDeleted).map(|r| r.stack.as_str()).collect();
    let ctx = minijinja::context! {
        total => rows.len(),
        created => count("created"),
        updated => count("updated"),
        unchanged => count("unchanged"),
        failed => failed,
        deleted => count("deleted"),
        would_be_deleted => would,
    };
    Ok(env.get_template("teams_summary")?.render(ctx)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(stack: &str, outcome: Outcome) -> Row {
        Row { team: stack.into(), stack: stack.into(), outcome }
    }

    #[test]
    fn the_summary_counts_and_explains() {
        let text = summary(&[
            row("a", Outcome::Created),
            row("b", Outcome::Unchanged),
            row("c", Outcome::Failed("Resource X failed".into())),
            row("d", Outcome::WouldBeDeleted),
        ])
        .unwrap();
        assert_eq!(
            text,
            "team stacks: 1 created, 0 updated, 1 unchanged, 1 failed, 0 deleted (4 in all)\nfailed:\n  c (failed): Resource X failed\nwould be deleted (teams no longer declared; pass --prune to delete them):\n  d\n"
        );
        assert_eq!(
            summary(&[row("a", Outcome::Updated)]).unwrap(),
            "team stacks: 0 created, 1 updated, 0 unchanged, 0 failed, 0 deleted (1 in all)\n"
        );
    }
}
