//! `sds schema`, `sds completions` and `sds man`: what editors, shells and `man` read about sds,
//! all generated from the definitions the commands themselves use (the configuration's key
//! description in `sds_constructs::config`, the clap command line in `cli`). Depends on the CLI
//! definition only; no command runs here.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{CompletionsArgs, ManArgs, SchemaArgs, SchemaKind, Shell};

/// The configuration's JSON Schema as committed in `schema/sds-config.schema.json`.
pub fn config_schema_text() -> String {
    let schema = sds_constructs::config::schema::json_schema();
    // Serializing a `Value` cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub fn schema(args: &SchemaArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    match args.kind {
        SchemaKind::Config => out.write_all(config_schema_text().as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    use clap_complete::Shell as S;
    let shell = match args.shell {
        Shell::Bash => S::Bash,
        Shell::Zsh => S::Zsh,
        Shell::Fish => S::Fish,
        Shell::Powershell => S::PowerShell,
    };
    let mut cmd = crate::cli::command();
    clap_complete::generate(shell, &mut cmd, "sds", out);
    Ok(ExitCode::SUCCESS)
}

pub fn man(args: &ManArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let cmd = crate::cli::command();
    match &args.dir {
        None => clap_mangen::Man::new(cmd).render(out)?,
        Some(dir) => {
            write_pages(dir, cmd)?;
            writeln!(out, "wrote the manual pages to {}", dir.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// sds.1 and sds-COMMAND.1 for each command, into `dir` (created if missing).
fn write_pages(dir: &Path, cmd: clap::Command) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    clap_mangen::generate_to(cmd, dir).with_context(|| format!("cannot write the manual pages to {}", dir.display()))
}
