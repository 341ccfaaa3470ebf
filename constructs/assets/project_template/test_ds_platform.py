"""Tests of the settings helper (part of the starter repository, runnable with `python -m unittest`)."""

import unittest

from ds_platform import parameter_names, platform_settings


class FakeSSM:
    def __init__(self, values):
        self.values = values
        self.requests = []

    def get_parameters(self, Names):
        self.requests.append(list(Names))
        return {
            "Parameters": [{"Name": n, "Value": self.values[n]} for n in Names if n in self.values],
            "InvalidParameters": [n for n in Names if n not in self.values],
        }


def published(team="fraud", env="dev", stack_set="DSSharedServices"):
    names = parameter_names(team, env, stack_set)
    values = {n: "subnet-%d" % i for i, n in enumerate(names["subnets"])}
    values[names["security_group"]] = "sg-123"
    values[names["kms_key"]] = "arn:aws:kms:eu-west-1:111122223333:key/k"
    values[names["data_bucket"]] = "ds-data-bucket-fraud-dev-abc"
    values[names["model_bucket"]] = "ds-model-bucket-fraud-dev-abc"
    return values


class PlatformSettingsTest(unittest.TestCase):
    def test_reads_every_setting_in_one_call(self):
        ssm = FakeSSM(published())
        s = platform_settings("fraud", "dev", ssm=ssm)
        self.assertEqual(len(ssm.requests), 1)
        self.assertEqual(s.subnets, ["subnet-0", "subnet-1", "subnet-2"])
        kwargs = s.job_kwargs()
        self.assertEqual(kwargs["security_group_ids"], ["sg-123"])
        self.assertEqual(kwargs["volume_kms_key"], kwargs["output_kms_key"])
        self.assertTrue(kwargs["encrypt_inter_container_traffic"])
        self.assertEqual(s.data_uri("/train/"), "s3://ds-data-bucket-fraud-dev-abc/train/")
        self.assertEqual(s.output_path("exp"), "s3://ds-model-bucket-fraud-dev-abc/exp")

    def test_missing_parameters_are_named(self):
        values = published()
        del values["ds-kms-cmk-fraud-dev-arn"]
        with self.assertRaises(LookupError) as e:
            platform_settings("fraud", "dev", ssm=FakeSSM(values))
        self.assertIn("ds-kms-cmk-fraud-dev-arn", str(e.exception))

    def test_names_follow_the_stack_set(self):
        names = parameter_names("t", "prod", "Other")
        self.assertEqual(names["subnets"][2], "ds-subnet-c-Other-id")
        self.assertEqual(names["security_group"], "ds-sagemaker-vpc-sg-Other-id")


if __name__ == "__main__":
    unittest.main()
