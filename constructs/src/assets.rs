//! The assets the templates reference by local name, with their sources embedded (so synthesis
//! and packaging do not depend on the working directory), and the staging placeholders that
//! packaging replaces with the upload location.

/// One asset: a zip archive built from embedded files.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// The name templates use (`Code: vpc_detective_control.zip`).
    pub zip_name: &'static str,
    /// (path inside the zip, contents), sorted by path.
    pub files: &'static [(&'static str, &'static [u8])],
}

/// The detective control's Lambda code (its unit test stays out of the zip).
pub const DETECTIVE_CONTROL: Asset = Asset {
    zip_name: "vpc_detective_control.zip",
    files: &[(
        "inspect_sagemaker_resource.py",
        include_bytes!("../assets/vpc_detective_control/inspect_sagemaker_resource.py"),
    )],
};

/// `<module>.<function>` of the detective control.
pub const DETECTIVE_CONTROL_HANDLER: &str = "inspect_sagemaker_resource.lambda_handler";

/// The starter repository each team's CodeCommit repository is seeded with.
pub const PROJECT_TEMPLATE: Asset = Asset {
    zip_name: "project_template.zip",
    files: &[
        ("README.md", include_bytes!("../assets/project_template/README.md")),
        ("ds_platform.py", include_bytes!("../assets/project_template/ds_platform.py")),
        ("test_ds_platform.py", include_bytes!("../assets/project_template/test_ds_platform.py")),
    ],
};

pub const ALL: &[Asset] = &[DETECTIVE_CONTROL, PROJECT_TEMPLATE];

/// `<bucket>/<prefix>` where product templates are staged (Service Catalog `LoadTemplateFromURL`).
pub const STAGING_BUCKET_PATH: &str = "< S3_CFN_STAGING_BUCKET_PATH >";
/// The staging bucket (CodeCommit seed `Code.S3.Bucket`).
pub const STAGING_BUCKET: &str = "< S3_CFN_STAGING_BUCKET >";
/// The staging prefix (CodeCommit seed `Code.S3.Key`).
pub const STAGING_PATH: &str = "< S3_CFN_STAGING_PATH >";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_have_sorted_non_empty_files() {
        for a in ALL {
            assert!(a.zip_name.ends_with(".zip"));
            assert!(a.files.windows(2).all(|w| w[0].0 < w[1].0), "{} files are not sorted", a.zip_name);
            assert!(a.files.iter().all(|(_, bytes)| !bytes.is_empty()));
        }
    }

    #[test]
    fn handler_is_in_the_detective_zip() {
        let module = DETECTIVE_CONTROL_HANDLER.split('.').next().unwrap_or_default();
        assert!(DETECTIVE_CONTROL.files.iter().any(|(p, _)| *p == format!("{module}.py")));
        let source = std::str::from_utf8(DETECTIVE_CONTROL.files[0].1).unwrap();
        assert!(source.contains("def lambda_handler(event, context"));
    }
}
