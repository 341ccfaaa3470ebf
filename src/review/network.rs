//! What opens or closes in the network: security group rules (inline and standalone), routes,
//! VPC endpoints, gateways, subnets and network ACL entries, added, removed or changed. Endpoint
//! policies are IAM statements and are reported under access.
//!
//! Depends on the model only.

use std::collections::BTreeSet;

use sds_constructs::cfn::yaml::inline;
use sds_constructs::cfn::{semantic_eq, Map, Resource, Value};

use super::sets::Set;

/// Resource types whose changes are network changes.
const NETWORK_TYPES: &[&str] = &[
    "AWS::EC2::VPC",
    "AWS::EC2::Subnet",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::RouteTable",
    "AWS::EC2::Route",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPCEndpoint",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::EgressOnlyInternetGateway",
    "AWS::EC2::NatGateway",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::EC2::EIP",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::VPCPeeringConnection",
    "AWS::EC2::TransitGatewayAttachment",
];

/// One network change.
#[derive(Debug, Clone)]
pub struct NetworkChange {
    pub template: String,
    pub id: String,
    pub type_: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    pub detail: String,
}

fn get(m: &Map, k: &str) -> String {
    m.get(k).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| inline(v))).unwrap_or_default()
}

/// A security group rule in one line: `tcp 443 from 10.2.0.0/16`.
fn rule(direction: &str, m: &Map) -> String {
    let proto = match get(m, "IpProtocol").as_str() {
        "-1" => "all traffic".to_string(),
        p => p.to_string(),
    };
    let (from, to) = (get(m, "FromPort"), get(m, "ToPort"));
    let ports = match (from.as_str(), to.as_str()) {
        ("", "") => String::new(),
        (f, t) if f == t || t.is_empty() => format!(" {f}"),
        (f, t) => format!(" {f}-{t}"),
    };
    let peer_keys: &[&str] = if direction == "ingress" {
        &["CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourcePrefixListId", "SourceSecurityGroupName"]
    } else {
        &["CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"]
    };
    let peer: Vec<String> = peer_keys.iter().map(|k| get(m, k)).filter(|s| !s.is_empty()).collect();
    let word = if direction == "ingress" { "from" } else { "to" };
    let desc = get(m, "Description");
    let desc = if desc.is_empty() { desc } else { format!(" ({desc})") };
    format!(
        "{direction} {proto}{ports} {word} {}{desc}",
        if peer.is_empty() { "(none)".into() } else { peer.join(", ") }
    )
}

/// One line saying what a network resource is.
fn describe(r: &Resource) -> String {
    let p = &r.properties;
    match r.type_.as_str() {
        "AWS::EC2::SecurityGroupIngress" => format!("{} on {}", rule("ingress", p), get(p, "GroupId")),
        "AWS::EC2::SecurityGroupEgress" => format!("{} on {}", rule("egress", p), get(p, "GroupId")),
        "AWS::EC2::Route" => {
            let dest = ["DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId"]
                .iter()
                .map(|k| get(p, k))
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let target = p
                .iter()
                .filter(|(k, _)| k.ends_with("Id") && !k.starts_with("Destination") && k.as_str() != "RouteTableId")
                .map(|(k, v)| format!("{k} {}", inline(v)))
                .collect::<Vec<_>>()
                .join(", ");
            format!("route {dest} → {target} in {}", get(p, "RouteTableId"))
        }
        "AWS::EC2::VPCEndpoint" => {
            let kind = get(p, "VpcEndpointType");
            format!("endpoint {} ({})", get(p, "ServiceName"), if kind.is_empty() { "Gateway".into() } else { kind })
        }
        "AWS::EC2::Subnet" | "AWS::EC2::VPC" => format!("CIDR {}", get(p, "CidrBlock")),
        "AWS::EC2::NetworkAclEntry" => format!(
            "{} rule {} {} {} {}",
            if get(p, "Egress") == "true" { "egress" } else { "ingress" },
            get(p, "RuleNumber"),
            get(p, "RuleAction"),
            get(p, "Protocol"),
            get(p, "CidrBlock")
        ),
        "AWS::EC2::SecurityGroup" => format!("security group {}", get(p, "GroupDescription")),
        _ => String::new(),
    }
}

fn inline_rules(r: &Resource) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (key, dir) in [("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress", "egress")] {
        if let Some(Value::List(l)) = r.properties.get(key) {
            out.extend(l.iter().map(|x| x.as_map().map(|m| rule(dir, m)).unwrap_or_else(|| inline(x))));
        }
    }
    out
}

/// Every network change in the app, templates in `order`.
pub fn analyse(old: &Set, new: &Set, order: &[String]) -> Vec<NetworkChange> {
    let mut out = Vec::new();
    for name in order {
        let a = old.get(name).map(|e| &e.template.resources);
        let b = new.get(name).map(|e| &e.template.resources);
        let mut push = |id: &str, r: &Resource, change: &'static str, detail: String| {
            out.push(NetworkChange {
                template: name.clone(),
                id: id.to_string(),
                type_: r.type_.clone(),
                change,
                detail,
            })
        };
        let is_net = |r: &Resource| NETWORK_TYPES.contains(&r.type_.as_str());
        for (id, r) in a.into_iter().flatten().filter(|(_, r)| is_net(r)) {
            if !b.is_some_and(|b| b.contains_key(id)) {
                push(id, r, "removed", describe(r));
                for x in inline_rules(r) {
                    push(id, r, "removed", x);
                }
            }
        }
        for (id, r) in b.into_iter().flatten().filter(|(_, r)| is_net(r)) {
            let Some(before) = a.and_then(|a| a.get(id)) else {
                push(id, r, "added", describe(r));
                for x in inline_rules(r) {
                    push(id, r, "added", x);
                }
                continue;
            };
            if semantic_eq(&before.to_value(), &r.to_value()) {
                continue;
            }
            let (ra, rb) = (inline_rules(before), inline_rules(r));
            for x in ra.difference(&rb) {
                push(id, r, "removed", x.clone());
            }
            for x in rb.difference(&ra) {
                push(id, r, "added", x.clone());
            }
            let (da, db) = (describe(before), describe(r));
            if da != db {
                push(id, r, "changed", format!("{da} → {db}"));
            } else if ra == rb {
                let keys: Vec<&String> = r
                    .properties
                    .keys()
                    .chain(before.properties.keys().filter(|k| !r.properties.contains_key(*k)))
                    .filter(|k| k.as_str() != "PolicyDocument")
                    .filter(|k| match (before.properties.get(*k), r.properties.get(*k)) {
                        (Some(x), Some(y)) => !semantic_eq(x, y),
                        _ => true,
                    })
                    .collect();
                if !keys.is_empty() {
                    let keys: Vec<&str> = keys.iter().map(|k| k.as_str()).collect();
                    push(id, r, "changed", format!("{db}: {} changed", keys.join(", ")));
                }
            }
        }
    }
    out
}
