"""Reads the data science platform's settings from SSM Parameter Store, for SageMaker jobs.

The platform publishes its network and storage ids as SSM parameters:

- ds-subnet-{a,b,c}-<stack set>-id      private subnets of the platform VPC
- ds-sagemaker-vpc-sg-<stack set>-id    security group for SageMaker jobs
- ds-kms-cmk-<team>-<env>-arn           the team's KMS key
- ds-s3-data-bucket-<team>-<env>        the team's data bucket
- ds-s3-model-artifact-bucket-<team>-<env>  the team's model artifacts bucket
"""

from dataclasses import dataclass
from typing import List

DEFAULT_STACK_SET = "DSSharedServices"


@dataclass(frozen=True)
class PlatformSettings:
    subnets: List[str]
    security_group_ids: List[str]
    kms_key_arn: str
    data_bucket: str
    model_bucket: str

    def job_kwargs(self):
        """Keyword arguments every SageMaker job needs on the platform."""
        return {
            "subnets": list(self.subnets),
            "security_group_ids": list(self.security_group_ids),
            "volume_kms_key": self.kms_key_arn,
            "output_kms_key": self.kms_key_arn,
            "encrypt_inter_container_traffic": True,
        }

    def data_uri(self, key=""):
        return "s3://%s/%s" % (self.data_bucket, key.lstrip("/"))

    def output_path(self, prefix=""):
        return "s3://%s/%s" % (self.model_bucket, prefix.lstrip("/"))


def parameter_names(team, env, stack_set=DEFAULT_STACK_SET):
    """The SSM parameter names the settings come from."""
    return {
        "subnets": ["ds-subnet-%s-%s-id" % (zone, stack_set) for zone in "abc"],
        "security_group": "ds-sagemaker-vpc-sg-%s-id" % stack_set,
        "kms_key": "ds-kms-cmk-%s-%s-arn" % (team, env),
        "data_bucket": "ds-s3-data-bucket-%s-%s" % (team, env),
        "model_bucket": "ds-s3-model-artifact-bucket-%s-%s" % (team, env),
    }


def platform_settings(team, env, stack_set=DEFAULT_STACK_SET, ssm=None):
    """Reads the settings for `team` in environment `env` (e.g. "dev")."""
    if ssm is None:
        import boto3

        ssm = boto3.client("ssm")
    names = parameter_names(team, env, stack_set)
    wanted = names["subnets"] + [names["security_group"], names["kms_key"], names["data_bucket"], names["model_bucket"]]
    found = {}
    for start in range(0, len(wanted), 10):  # GetParameters takes at most 10 names
        response = ssm.get_parameters(Names=wanted[start : start + 10])
        for p in response.get("Parameters", []):
            found[p["Name"]] = p["Value"]
        missing = response.get("InvalidParameters", [])
        if missing:
            raise LookupError("platform parameters not found: %s" % ", ".join(sorted(missing)))
    return PlatformSettings(
        subnets=[found[n] for n in names["subnets"]],
        security_group_ids=[found[names["security_group"]]],
        kms_key_arn=found[names["kms_key"]],
        data_bucket=found[names["data_bucket"]],
        model_bucket=found[names["model_bucket"]],
    )
