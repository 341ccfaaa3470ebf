//! The deployed side of `sds review --stack`: GetTemplate of the root stack, then of each nested
//! stack found among its resources (ListStackResources), recursively, each matched to our file by
//! the logical id of the `AWS::CloudFormation::Stack` resource that holds it; and the deployed
//! parameter values (DescribeStacks) where they differ from ours.
//!
//! Packaging replaces local references (a nested `TemplateURL`, Lambda `Code`, a product's
//! `LoadTemplateFromURL`, the CodeCommit seed) with S3 locations; the deployed values of those
//! are replaced by ours before comparing, so they are compared by logical id, not content.
//!
//! The only network code of `review`; reuses publish's client setup and error descriptions.

use std::collections::VecDeque;
use std::sync::Arc;

use anyhow::anyhow;
use aws_sdk_cloudformation::types::TemplateStage;
use sds_constructs::cfn::value::scalar_text;
use sds_constructs::cfn::{Format, Map, Template, Value};

use super::sets::{self, Set};
use super::ParameterDrift;
use crate::publish::aws::{self, Aws};

/// What was read from the account.
pub struct Deployed {
    pub set: Set,
    pub drift: Vec<ParameterDrift>,
    pub notes: Vec<String>,
}

/// Properties that packaging rewrites, by resource type.
const PACKAGED: &[(&str, &str)] = &[
    ("AWS::CloudFormation::Stack", "TemplateURL"),
    ("AWS::Lambda::Function", "Code"),
    ("AWS::Lambda::LayerVersion", "Content"),
    ("AWS::CodeCommit::Repository", "Code"),
    ("AWS::ServiceCatalog::CloudFormationProduct", "ProvisioningArtifactParameters"),
];

/// Puts our values of the packaged properties into the deployed template.
fn unpackage(deployed: &mut Template, ours: &Template) {
    for (id, r) in deployed.resources.iter_mut() {
        let Some(mine) = ours.resources.get(id).filter(|m| m.type_ == r.type_) else { continue };
        for (type_, key) in PACKAGED {
            if r.type_ != *type_ {
                continue;
            }
            if *key == "ProvisioningArtifactParameters" {
                // Only the URL inside each artifact: names and descriptions are compared.
                if let (Some(Value::List(theirs)), Some(Value::List(mine))) =
                    (r.properties.get_mut(*key), mine.properties.get(*key))
                {
                    for (t, m) in theirs.iter_mut().zip(mine) {
                        let url = m.as_map().and_then(|m| m.get("Info")).and_then(Value::as_map);
                        let url = url.and_then(|i| i.get("LoadTemplateFromURL")).cloned();
                        if let (Value::Map(t), Some(url)) = (t, url) {
                            if let Some(Value::Map(info)) = t.get_mut("Info") {
                                info.insert("LoadTemplateFromURL".into(), url);
                            }
                        }
                    }
                }
            } else if let Some(v) = mine.properties.get(*key) {
                r.properties.insert(key.to_string(), v.clone());
            }
        }
    }
}

async fn template_of(aws: &Aws, stack: &str) -> anyhow::Result<String> {
    let out =
        aws.cfn.get_template().stack_name(stack).template_stage(TemplateStage::Original).send().await.map_err(|e| {
            anyhow!("cannot read the template of stack {stack} (GetTemplate): {}", aws::describe("cloudformation", &e))
        })?;
    out.template_body().map(str::to_string).ok_or_else(|| anyhow!("GetTemplate of {stack} returned no template"))
}

async fn parameters_of(aws: &Aws, stack: &str) -> anyhow::Result<(String, Vec<(String, String)>)> {
    let out = aws.cfn.describe_stacks().stack_name(stack).send().await.map_err(|e| {
        anyhow!("cannot describe stack {stack} (DescribeStacks): {}", aws::describe("cloudformation", &e))
    })?;
    let s = out.stacks().first().ok_or_else(|| anyhow!("stack {stack} not found"))?;
    let params = s
        .parameters()
        .iter()
        .map(|p| {
            // The value as passed (for an SSM parameter type, the parameter's name, which is
            // what our template holds), not the resolved value.
            let v = p.parameter_value().unwrap_or_default();
            (p.parameter_key().unwrap_or_default().to_string(), v.to_string())
        })
        .collect();
    Ok((s.stack_name().unwrap_or(stack).to_string(), params))
}

/// (logical id, physical id) of the nested stacks of `stack`.
async fn nested_of(aws: &Aws, stack: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut token = None;
    loop {
        let page =
            aws.cfn.list_stack_resources().stack_name(stack).set_next_token(token).send().await.map_err(|e| {
                anyhow!(
                    "cannot list the resources of {stack} (ListStackResources): {}",
                    aws::describe("cloudformation", &e)
                )
            })?;
        for r in page.stack_resource_summaries() {
            if r.resource_type() == Some("AWS::CloudFormation::Stack") {
                if let (Some(l), Some(p)) = (r.logical_resource_id(), r.physical_resource_id()) {
                    out.push((l.to_string(), p.to_string()));
                }
            }
        }
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Reads the deployed stack `name` and its nested stacks, matched to `ours` from `root` down.
/// `passed`: the root's parameter values as `sds publish --parameter` would pass them (the
/// others take their defaults).
pub fn fetch(
    name: &str,
    region: Option<&str>,
    profile: Option<&str>,
    ours: &Set,
    root: &str,
    passed: Map,
) -> anyhow::Result<Deployed> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async {
        let aws = aws::connect(region, profile).await?;
        let mut set = Set::new();
        let mut drift = Vec::new();
        let mut notes = Vec::new();
        // (stack name or id, our file name, the parameters our parent passes).
        let mut todo: VecDeque<(String, String, Option<Map>)> = VecDeque::from([(name.to_string(), root.to_string(), Some(passed))]);
        while let Some((stack, file, passed)) = todo.pop_front() {
            let (body, (stack_name, params), nested) =
                tokio::try_join!(template_of(&aws, &stack), parameters_of(&aws, &stack), nested_of(&aws, &stack))?;
            let format = if body.trim_start().starts_with('{') { Format::Json } else { Format::Yaml };
            let mut entry = sets::parse(&body, &format!("deployed stack {stack_name}"), format)?;
            let mine = ours.get(&file).map(|e| &e.template);
            if let Some(mine) = mine {
                unpackage(Arc::make_mut(&mut entry.template), mine);
            }
            for (k, deployed) in &params {
                let ours_value = passed
                    .as_ref()
                    .and_then(|m| m.get(k))
                    .or_else(|| mine.and_then(|t| t.parameters.get(k)).and_then(|p| p.attributes.get("Default")));
                let ours_text = ours_value.and_then(scalar_text);
                let differs = match &ours_text {
                    Some(o) => o.trim_end() != deployed.trim_end(),
                    None => ours_value.is_none(),
                };
                // NoEcho values come back masked: nothing to compare.
                if differs && deployed != "****" {
                    let ours = match (ours_text, ours_value) {
                        (Some(t), _) => t,
                        (None, Some(v)) => sds_constructs::cfn::yaml::inline(v),
                        (None, None) => "(not declared)".to_string(),
                    };
                    drift.push(ParameterDrift {
                        stack: stack_name.clone(),
                        template: file.clone(),
                        name: k.clone(),
                        deployed: deployed.clone(),
                        ours,
                    });
                }
            }
            for (logical, physical) in nested {
                let child = mine.and_then(|t| {
                    sets::children(t).into_iter().find(|(id, _)| *id == logical).map(|(_, f)| f)
                });
                let passed = mine
                    .and_then(|t| t.resources.get(&logical))
                    .and_then(|r| r.properties.get("Parameters"))
                    .and_then(Value::as_map)
                    .cloned();
                let child = child.unwrap_or_else(|| {
                    notes.push(format!("nested stack {logical} of {stack_name} has no counterpart in our templates"));
                    format!("{logical} (deployed only)")
                });
                todo.push_back((physical, child, passed));
            }
            set.insert(file, entry);
        }
        notes.push(
            "Packaged locations (nested TemplateURL, Lambda Code, product LoadTemplateFromURL, repository seed) are compared by logical id, not by content.".to_string(),
        );
        Ok(Deployed { set, drift, notes })
    })
}
