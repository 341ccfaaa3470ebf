//! Reproducible zips of the embedded assets: entries in path order, a fixed timestamp
//! (1980-01-01, the zip epoch), fixed permissions and compression, so the same sources always
//! give the same bytes (and the same content-addressed key).

use std::io::{Cursor, Write};

use sds_constructs::assets::Asset;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

pub fn build(asset: &Asset) -> anyhow::Result<Vec<u8>> {
    let mut files: Vec<&(&str, &[u8])> = asset.files.iter().collect();
    files.sort_by_key(|(path, _)| *path);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    for (path, bytes) in files {
        w.start_file(*path, options)?;
        w.write_all(bytes)?;
    }
    Ok(w.finish()?.into_inner())
}

/// Every asset as (zip name, bytes).
pub fn build_all() -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    sds_constructs::assets::ALL.iter().map(|a| Ok((a.zip_name.to_string(), build(a)?))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zips_are_byte_identical_across_builds_and_readable() {
        for a in sds_constructs::assets::ALL {
            let (x, y) = (build(a).unwrap(), build(a).unwrap());
            assert_eq!(x, y, "{} is not reproducible", a.zip_name);
            let mut z = zip::ZipArchive::new(Cursor::new(x)).unwrap();
            assert_eq!(z.len(), a.files.len());
            let first = z.by_index(0).unwrap();
            assert_eq!(first.last_modified(), Some(DateTime::default()));
            assert_eq!(first.unix_mode(), Some(0o100644));
        }
    }
}
