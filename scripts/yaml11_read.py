#!/usr/bin/env python3
"""Reads a CloudFormation YAML template with PyYAML (a YAML 1.1 parser, as moto and many CI
tools use) and prints it as long-form JSON, so tests can check that YAML 1.1 readers see the same
template that sds wrote. Usage: yaml11_read.py FILE.yaml"""
import json
import sys

import yaml

SHORT = {
    "Ref": "Ref", "Condition": "Condition", "GetAtt": "Fn::GetAtt", "Sub": "Fn::Sub", "Join": "Fn::Join",
    "Select": "Fn::Select", "Split": "Fn::Split", "ImportValue": "Fn::ImportValue",
    "FindInMap": "Fn::FindInMap", "GetAZs": "Fn::GetAZs", "Base64": "Fn::Base64", "Cidr": "Fn::Cidr",
    "If": "Fn::If", "Equals": "Fn::Equals", "And": "Fn::And", "Or": "Fn::Or", "Not": "Fn::Not",
    "Transform": "Fn::Transform",
}


class Loader(yaml.SafeLoader):
    pass


def construct(loader, suffix, node):
    name = SHORT[suffix]
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "Fn::GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


Loader.add_multi_constructor("!", construct)


def long_getatt(v):
    if isinstance(v, dict):
        v = {k: long_getatt(x) for k, x in v.items()}
        if list(v) == ["Fn::GetAtt"] and isinstance(v["Fn::GetAtt"], str):
            v["Fn::GetAtt"] = v["Fn::GetAtt"].split(".", 1)
        return v
    if isinstance(v, list):
        return [long_getatt(x) for x in v]
    return v


with open(sys.argv[1], encoding="utf-8") as f:
    doc = yaml.load(f, Loader=Loader)
json.dump(long_getatt(doc), sys.stdout, indent=2, sort_keys=False)
