//! `sds fmt`: re-emits templates canonically (section order, attribute order, short-form tags).
//!
//! Every file is read and rendered before anything is written, so one bad file means nothing is
//! written. In place, a file with comments is refused unless `--drop-comments`, since the model
//! has no place for comments.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::bail;
use sds_constructs::cfn::{to_json, to_yaml, Format};

use crate::cli::{FmtArgs, OutputFormat};
use crate::files::{self, Errors, Loaded};

/// The canonical text of a template in `format`.
pub fn render(loaded: &Loaded, format: Format) -> String {
    match format {
        Format::Yaml => to_yaml(&loaded.parsed.template),
        Format::Json => to_json(&loaded.parsed.template),
    }
}

fn chosen(args: &FmtArgs, input: Format) -> Format {
    match args.format {
        Some(OutputFormat::Yaml) => Format::Yaml,
        Some(OutputFormat::Json) => Format::Json,
        None => input,
    }
}

/// The output file name: the input's, with `.json` or `.yaml` when the format changes.
fn output_name(path: &Path, input: Format, output: Format) -> String {
    let name = files::file_name(path);
    if input == output {
        return name;
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or(name);
    match output {
        Format::Json => format!("{stem}.json"),
        Format::Yaml => format!("{stem}.yaml"),
    }
}

/// Whether YAML text has comments (a `#` starting a line or following a blank).
/// Conservative: a ` #` inside a string counts too, which only means asking for `--drop-comments`.
fn has_comments(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with('#') || l.contains(" #"))
}

/// `--out DIR` never writes over one of the inputs: that is what formatting in place is for, and
/// in place keeps its own safeguards (comments).
fn refuse_inputs_as_outputs(dir: &Path, loaded: &[Loaded], outputs: &[(String, String)]) -> anyhow::Result<()> {
    let inputs: Vec<PathBuf> = loaded.iter().filter_map(|l| l.path.canonicalize().ok()).collect();
    let clashes: Vec<String> = outputs
        .iter()
        .filter_map(|(name, _)| dir.join(name).canonicalize().ok())
        .filter(|p| inputs.contains(p))
        .map(|p| p.display().to_string())
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    bail!(
        "--out {} would overwrite the input {}: to format files in place, leave out --out; otherwise choose another directory",
        dir.display(),
        clashes.join(", ")
    )
}

pub fn run(args: &FmtArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let loaded = files::load_paths(&args.files)?;
    let rendered: Vec<(&Loaded, Format, String)> = loaded
        .iter()
        .map(|l| {
            let f = chosen(args, l.format);
            (l, f, render(l, f))
        })
        .collect();

    if args.check {
        let mut stale = 0;
        for (l, _, text) in &rendered {
            if *text != l.text {
                stale += 1;
                writeln!(out, "would reformat {}", l.path.display())?;
            }
        }
        if stale > 0 {
            writeln!(out, "{stale} of {} files would be reformatted", rendered.len())?;
            return Ok(ExitCode::from(1));
        }
        writeln!(out, "{} files already formatted", rendered.len())?;
        return Ok(ExitCode::SUCCESS);
    }

    if let Some(dir) = &args.out {
        let mut names = HashSet::new();
        let mut outputs = Vec::new();
        for (l, f, text) in rendered {
            let name = output_name(&l.path, l.format, f);
            if !names.insert(name.clone()) {
                bail!("two inputs would both be written to {}", dir.join(&name).display());
            }
            outputs.push((name, text));
        }
        refuse_inputs_as_outputs(dir, &loaded, &outputs)?;
        let names: Vec<String> = outputs.iter().map(|(n, _)| n.clone()).collect();
        files::check_output_dir(dir, &[], &names, false)?;
        files::write_files_atomically(dir, &outputs)?;
        writeln!(out, "wrote {} files to {}", outputs.len(), dir.display())?;
        return Ok(ExitCode::SUCCESS);
    }

    // In place.
    let mut refused = Vec::new();
    for (l, f, text) in &rendered {
        if *f != l.format {
            refused.push(format!(
                "{}: changing the format in place would misname the file; use --out DIR",
                l.path.display()
            ));
        } else if *text != l.text && l.format == Format::Yaml && has_comments(&l.text) && !args.drop_comments {
            refused.push(format!(
                "{}: has comments, which formatting cannot keep; use --out DIR, or --drop-comments to rewrite it anyway",
                l.path.display()
            ));
        }
    }
    if !refused.is_empty() {
        return Err(Errors(refused).into());
    }
    let mut changed = 0;
    for (l, _, text) in &rendered {
        if *text != l.text {
            files::replace_file_atomically(&l.path, text)?;
            changed += 1;
            writeln!(out, "formatted {}", l.path.display())?;
        }
    }
    writeln!(out, "{changed} of {} files reformatted", rendered.len())?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_detected() {
        assert!(has_comments("# Copyright\nA: 1\n"));
        assert!(has_comments("A: 1 # one\n"));
        assert!(!has_comments("A: 'x#y'\n"));
    }

    #[test]
    fn output_names_follow_the_format() {
        let p = Path::new("dir/a.yaml");
        assert_eq!(output_name(p, Format::Yaml, Format::Yaml), "a.yaml");
        assert_eq!(output_name(p, Format::Yaml, Format::Json), "a.json");
        assert_eq!(output_name(Path::new("b.json"), Format::Json, Format::Yaml), "b.yaml");
    }
}
