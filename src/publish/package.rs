//! Packaging, without the network: turns the synthesized templates and asset zips into the
//! objects to upload, rewriting every local reference to its S3 location — nested `TemplateURL`s
//! (bottom-up, since a parent's bytes depend on its children's URLs), Lambda `Code`, Service
//! Catalog `LoadTemplateFromURL` (product templates are roots of their own) and the CodeCommit
//! seed `Code.S3`. Nested children and assets get content-addressed keys; the root and product
//! templates keep stable `<prefix>/<file name>` keys. Afterwards no placeholder and no local path
//! may remain.

use std::collections::BTreeMap;

use sds_constructs::assets::{STAGING_BUCKET, STAGING_BUCKET_PATH, STAGING_PATH};
use sds_constructs::cfn::{to_yaml, Map, Template, Value};
use sha2::{Digest, Sha256};

/// CloudFormation reads templates from S3 up to 1 MB.
/// See: <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html>
pub const MAX_TEMPLATE_BYTES: usize = 1_000_000;

/// Where the objects go.
#[derive(Debug, Clone)]
pub struct Staging {
    pub bucket: String,
    /// Key prefix, without slashes at either end; may be empty.
    pub prefix: String,
    /// URL of the S3 endpoint, path style: `https://s3.<region>.amazonaws.com`, or a local one.
    pub endpoint: String,
}

impl Staging {
    /// `<prefix>/<name>` (S3 keys are joined with `/`, never with a file system path).
    pub fn key(&self, name: &str) -> String {
        if self.prefix.is_empty() {
            name.to_string()
        } else {
            format!("{}/{name}", self.prefix)
        }
    }

    pub fn url(&self, key: &str) -> String {
        format!("{}/{}/{key}", self.endpoint.trim_end_matches('/'), self.bucket)
    }
}

/// One object to upload.
#[derive(Debug, Clone)]
pub struct Object {
    pub key: String,
    pub body: Vec<u8>,
    pub content_type: &'static str,
    /// Objects of a lower wave are uploaded first: assets 0, then templates after their children.
    pub wave: usize,
    /// Hex sha256 of the body.
    pub sha256: String,
    /// The template or asset it was made from.
    pub source: String,
}

/// The result of packaging.
#[derive(Debug)]
pub struct Packaged {
    pub objects: Vec<Object>,
    pub root_key: String,
    pub root_url: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PackageError {
    #[error("{template}: {place} names {name}, which is not one of the templates")]
    UnknownTemplate { template: String, place: String, name: String },
    #[error("{template}: {place} names the asset {name}, which does not exist")]
    UnknownAsset { template: String, place: String, name: String },
    #[error("{template} nests itself (through {through})")]
    Cycle { template: String, through: String },
    #[error(
        "{template} is {size} bytes once packaged; CloudFormation reads templates of at most 1 MB (1,000,000 bytes)"
    )]
    TooLarge { template: String, size: usize },
    #[error("{template}: {place} still holds {what} after packaging")]
    Leftover { template: String, place: String, what: String },
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

struct Packer<'a> {
    templates: BTreeMap<&'a str, &'a Template>,
    /// zip name → its object (added to the upload when a template references it)
    assets: BTreeMap<String, Object>,
    used_assets: std::collections::BTreeSet<String>,
    staging: &'a Staging,
    /// The root and the product templates: stable keys.
    stable: Vec<String>,
    /// name → (key, wave) of templates already packaged
    done: BTreeMap<String, (String, usize)>,
    objects: Vec<Object>,
    stack: Vec<String>,
}

fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

/// The product template a `LoadTemplateFromURL` names through the staging placeholder.
fn product_file(url: &str) -> Option<&str> {
    url.split_once(&format!("{STAGING_BUCKET_PATH}/")).map(|(_, file)| file)
}

impl Packer<'_> {
    fn pack(&mut self, name: &str, from: &str, place: &str) -> Result<(String, usize), PackageError> {
        if let Some(done) = self.done.get(name) {
            return Ok(done.clone());
        }
        let Some(template) = self.templates.get(name).copied() else {
            return Err(PackageError::UnknownTemplate {
                template: from.into(),
                place: place.into(),
                name: name.into(),
            });
        };
        if self.stack.iter().any(|s| s == name) {
            return Err(PackageError::Cycle { template: name.into(), through: self.stack.join(" → ") });
        }
        self.stack.push(name.to_string());
        let mut t = template.clone();
        let mut wave = 1;
        let ids: Vec<String> = t.resources.keys().cloned().collect();
        for id in ids {
            let type_ = t.resources[&id].type_.clone();
            let at = |p: &str| format!("Resources/{id}/Properties/{p}");
            match type_.as_str() {
                "AWS::CloudFormation::Stack" => {
                    let url =
                        t.resources[&id].properties.get("TemplateURL").and_then(Value::as_str).map(str::to_string);
                    if let Some(child) = url.filter(|u| !is_url(u)) {
                        let (key, child_wave) = self.pack(&child, name, &at("TemplateURL"))?;
                        wave = wave.max(child_wave + 1);
                        set(&mut t, &id, "TemplateURL", Value::String(self.staging.url(&key)));
                    }
                }
                "AWS::Lambda::Function" => {
                    let code = t.resources[&id].properties.get("Code").and_then(Value::as_str).map(str::to_string);
                    if let Some(zip) = code {
                        let key = self.asset(&zip, name, &at("Code"))?;
                        let code = Map::from_iter([
                            ("S3Bucket".to_string(), Value::str(&self.staging.bucket)),
                            ("S3Key".to_string(), Value::String(key)),
                        ]);
                        set(&mut t, &id, "Code", Value::Map(code));
                    }
                }
                "AWS::ServiceCatalog::CloudFormationProduct" => {
                    let Some(Value::List(artifacts)) =
                        t.resources[&id].properties.get("ProvisioningArtifactParameters").cloned()
                    else {
                        continue;
                    };
                    let mut rewritten = Vec::new();
                    for (n, mut a) in artifacts.into_iter().enumerate() {
                        if let Some(Value::Map(info)) = a.as_map().and_then(|m| m.get("Info")).cloned() {
                            if let Some(file) =
                                info.get("LoadTemplateFromURL").and_then(Value::as_str).and_then(product_file)
                            {
                                let place = at(&format!("ProvisioningArtifactParameters/{n}/Info/LoadTemplateFromURL"));
                                let (key, product_wave) = self.pack(file, name, &place)?;
                                wave = wave.max(product_wave + 1);
                                let mut info = info.clone();
                                info.insert("LoadTemplateFromURL".into(), Value::String(self.staging.url(&key)));
                                if let Value::Map(m) = &mut a {
                                    m.insert("Info".into(), Value::Map(info));
                                }
                            }
                        }
                        rewritten.push(a);
                    }
                    set(&mut t, &id, "ProvisioningArtifactParameters", Value::List(rewritten));
                }
                "AWS::CodeCommit::Repository" => {
                    let s3 = t.resources[&id]
                        .properties
                        .get("Code")
                        .and_then(Value::as_map)
                        .and_then(|c| c.get("S3"))
                        .cloned();
                    if let Some(Value::Map(mut s3)) = s3 {
                        if s3.get("Bucket").and_then(Value::as_str) == Some(STAGING_BUCKET) {
                            s3.insert("Bucket".into(), Value::str(&self.staging.bucket));
                        }
                        let key = s3.get("Key").and_then(Value::as_str).map(str::to_string);
                        if let Some(zip) = key.as_deref().and_then(|k| k.strip_prefix(&format!("{STAGING_PATH}/"))) {
                            let key = self.asset(zip, name, &at("Code/S3/Key"))?;
                            s3.insert("Key".into(), Value::String(key));
                        }
                        let code = Map::from_iter([("S3".to_string(), Value::Map(s3))]);
                        set(&mut t, &id, "Code", Value::Map(code));
                    }
                }
                _ => {}
            }
        }
        leftovers(name, &t)?;
        let text = to_yaml(&t);
        if text.len() > MAX_TEMPLATE_BYTES {
            return Err(PackageError::TooLarge { template: name.into(), size: text.len() });
        }
        let sha = sha256_hex(text.as_bytes());
        let key = if self.stable.iter().any(|s| s == name) {
            self.staging.key(name)
        } else {
            self.staging.key(&format!("templates/{sha}.yaml"))
        };
        self.objects.push(Object {
            key: key.clone(),
            body: text.into_bytes(),
            content_type: "application/x-yaml",
            wave,
            sha256: sha,
            source: name.to_string(),
        });
        self.stack.pop();
        self.done.insert(name.to_string(), (key.clone(), wave));
        Ok((key, wave))
    }

    fn asset(&mut self, zip: &str, template: &str, place: &str) -> Result<String, PackageError> {
        let Some(o) = self.assets.get(zip) else {
            return Err(PackageError::UnknownAsset {
                template: template.into(),
                place: place.into(),
                name: zip.into(),
            });
        };
        self.used_assets.insert(zip.to_string());
        Ok(o.key.clone())
    }
}

/// The `LoadTemplateFromURL`s of a Service Catalog product.
fn product_urls(r: &sds_constructs::cfn::Resource) -> Vec<String> {
    let Some(Value::List(artifacts)) = r.properties.get("ProvisioningArtifactParameters") else { return Vec::new() };
    artifacts
        .iter()
        .filter_map(|a| a.as_map()?.get("Info")?.as_map()?.get("LoadTemplateFromURL")?.as_str().map(str::to_string))
        .collect()
}

fn set(t: &mut Template, id: &str, property: &str, v: Value) {
    if let Some(r) = t.resources.get_mut(id) {
        r.properties.insert(property.to_string(), v);
    }
}

/// Fails if a staging placeholder or a local path survived packaging.
fn leftovers(name: &str, t: &Template) -> Result<(), PackageError> {
    fn find(v: &Value, path: &str, out: &mut Option<(String, String)>) {
        if out.is_some() {
            return;
        }
        match v {
            Value::String(s) if s.contains("< S3_CFN_STAGING") => {
                *out = Some((path.to_string(), format!("the placeholder in {s:?}")))
            }
            Value::List(items) => items.iter().enumerate().for_each(|(i, v)| find(v, &format!("{path}/{i}"), out)),
            Value::Map(m) => m.iter().for_each(|(k, v)| find(v, &format!("{path}/{k}"), out)),
            Value::Fn(f) => find(&f.argument(), path, out),
            _ => {}
        }
    }
    for (id, r) in &t.resources {
        let mut found = None;
        for (k, v) in &r.properties {
            find(v, &format!("Resources/{id}/Properties/{k}"), &mut found);
        }
        let local = |k: &str| r.properties.get(k).and_then(Value::as_str).filter(|u| !is_url(u)).map(str::to_string);
        if r.type_ == "AWS::CloudFormation::Stack" {
            if let Some(u) = local("TemplateURL") {
                found =
                    found.or(Some((format!("Resources/{id}/Properties/TemplateURL"), format!("the local path {u}"))));
            }
        }
        if r.type_ == "AWS::Lambda::Function" {
            if let Some(c) = r.properties.get("Code").and_then(Value::as_str) {
                found = found.or(Some((format!("Resources/{id}/Properties/Code"), format!("the local path {c}"))));
            }
        }
        if let Some((place, what)) = found {
            return Err(PackageError::Leftover { template: name.into(), place, what });
        }
    }
    Ok(())
}

/// Packages the app whose root is `root`: `templates` by file name, `assets` as (zip name, bytes).
pub fn package(
    templates: &[(String, Template)],
    root: &str,
    assets: &[(String, Vec<u8>)],
    staging: &Staging,
) -> Result<Packaged, PackageError> {
    let mut asset_objects = BTreeMap::new();
    for (name, bytes) in assets {
        let sha = sha256_hex(bytes);
        let key = staging.key(&format!("assets/{sha}.zip"));
        let o = Object {
            key,
            body: bytes.clone(),
            content_type: "application/zip",
            wave: 0,
            sha256: sha,
            source: name.clone(),
        };
        asset_objects.insert(name.clone(), o);
    }
    // Product templates keep stable keys, like the root: people find them by name.
    let mut stable = vec![root.to_string()];
    for (_, t) in templates {
        for r in t.resources.values().filter(|r| r.type_ == "AWS::ServiceCatalog::CloudFormationProduct") {
            stable.extend(product_urls(r).iter().filter_map(|u| product_file(u)).map(str::to_string));
        }
    }
    let mut p = Packer {
        templates: templates.iter().map(|(n, t)| (n.as_str(), t)).collect(),
        assets: asset_objects,
        used_assets: Default::default(),
        staging,
        stable,
        done: BTreeMap::new(),
        objects: Vec::new(),
        stack: Vec::new(),
    };
    let (root_key, _) = p.pack(root, root, "the root")?;
    let mut objects = p.objects;
    objects.extend(p.assets.into_iter().filter(|(name, _)| p.used_assets.contains(name)).map(|(_, o)| o));
    objects.sort_by(|a, b| (a.wave, &a.key).cmp(&(b.wave, &b.key)));
    Ok(Packaged { root_url: staging.url(&root_key), root_key, objects })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sds_constructs::cfn::{read_template, Format};

    fn t(text: &str) -> Template {
        read_template(text, "t.yaml", Format::Yaml).unwrap().template
    }

    fn staging() -> Staging {
        Staging { bucket: "stage".into(), prefix: "sds".into(), endpoint: "https://s3.eu-west-1.amazonaws.com".into() }
    }

    fn app() -> Vec<(String, Template)> {
        vec![
            ("root.yaml".into(), t("Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: child.yaml\n")),
            (
                "child.yaml".into(),
                t("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: code.zip\n      Runtime: python3.14\n      Handler: a.b\n      Role: r\n"),
            ),
        ]
    }

    #[test]
    fn children_first_with_content_addressed_keys() {
        let p = package(&app(), "root.yaml", &[("code.zip".into(), b"zip".to_vec())], &staging()).unwrap();
        let keys: Vec<(&str, usize)> = p.objects.iter().map(|o| (o.key.as_str(), o.wave)).collect();
        assert_eq!(keys[0].1, 0);
        assert!(keys[0].0.starts_with("sds/assets/") && keys[0].0.ends_with(".zip"));
        assert!(keys[1].0.starts_with("sds/templates/") && keys[1].1 == 1);
        assert_eq!(keys[2], ("sds/root.yaml", 2));
        assert_eq!(p.root_url, "https://s3.eu-west-1.amazonaws.com/stage/sds/root.yaml");
        let root = String::from_utf8(p.objects[2].body.clone()).unwrap();
        assert!(
            root.contains(&format!("TemplateURL: https://s3.eu-west-1.amazonaws.com/stage/{}", keys[1].0)),
            "{root}"
        );
        let child = String::from_utf8(p.objects[1].body.clone()).unwrap();
        assert!(child.contains("S3Bucket: stage") && child.contains(keys[0].0), "{child}");
    }

    #[test]
    fn same_input_same_bytes() {
        let a = package(&app(), "root.yaml", &[("code.zip".into(), b"zip".to_vec())], &staging()).unwrap();
        let b = package(&app(), "root.yaml", &[("code.zip".into(), b"zip".to_vec())], &staging()).unwrap();
        assert_eq!(
            a.objects.iter().map(|o| &o.sha256).collect::<Vec<_>>(),
            b.objects.iter().map(|o| &o.sha256).collect::<Vec<_>>()
        );
    }

    #[test]
    fn missing_templates_assets_and_cycles_are_errors() {
        let e = package(&app(), "root.yaml", &[], &staging()).unwrap_err();
        assert!(matches!(e, PackageError::UnknownAsset { .. }), "{e}");
        let e = package(&app()[..1], "root.yaml", &[], &staging()).unwrap_err();
        assert!(matches!(e, PackageError::UnknownTemplate { .. }), "{e}");
        let cyc = vec![(
            "a.yaml".to_string(),
            t("Resources:\n  S:\n    Type: AWS::CloudFormation::Stack\n    Properties:\n      TemplateURL: a.yaml\n"),
        )];
        assert!(matches!(package(&cyc, "a.yaml", &[], &staging()).unwrap_err(), PackageError::Cycle { .. }));
    }

    #[test]
    fn leftover_placeholders_are_errors() {
        let bad = vec![(
            "a.yaml".to_string(),
            t("Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Value: 's3://< S3_CFN_STAGING_BUCKET >/x'\n      Type: String\n"),
        )];
        let e = package(&bad, "a.yaml", &[], &staging()).unwrap_err();
        assert!(matches!(e, PackageError::Leftover { .. }), "{e}");
    }
}
