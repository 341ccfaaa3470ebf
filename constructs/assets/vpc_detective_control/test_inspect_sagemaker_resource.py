"""Unit tests of the detective control (run by the project's tests; not packaged)."""

import logging
import unittest

import inspect_sagemaker_resource as control

VPC = {"subnets": ["subnet-1"], "securityGroupIds": ["sg-1"]}


class FakeSageMaker:
    def __init__(self, fail=False):
        self.calls = []
        self.fail = fail

    def stop_training_job(self, **kwargs):
        self.calls.append(("stop_training_job", kwargs))
        if self.fail:
            raise RuntimeError("AccessDenied")

    def delete_model(self, **kwargs):
        self.calls.append(("delete_model", kwargs))
        if self.fail:
            raise RuntimeError("ValidationException")


def event(name, request):
    return {
        "source": "aws.sagemaker",
        "detail-type": "AWS API Call via CloudTrail",
        "detail": {"eventSource": "sagemaker.amazonaws.com", "eventName": name, "requestParameters": request},
    }


class DetectiveControlTest(unittest.TestCase):
    def test_training_job_without_vpc_is_stopped(self):
        sm = FakeSageMaker()
        result = control.lambda_handler(event("CreateTrainingJob", {"trainingJobName": "job-1"}), None, sm)
        self.assertEqual(result, {"action": "stopped", "trainingJobName": "job-1"})
        self.assertEqual(sm.calls, [("stop_training_job", {"TrainingJobName": "job-1"})])

    def test_training_job_in_vpc_is_left_alone(self):
        sm = FakeSageMaker()
        result = control.lambda_handler(event("CreateTrainingJob", {"trainingJobName": "j", "vpcConfig": VPC}), None, sm)
        self.assertEqual(result["action"], "none")
        self.assertEqual(sm.calls, [])

    def test_empty_vpc_config_counts_as_none(self):
        sm = FakeSageMaker()
        request = {"trainingJobName": "j", "vpcConfig": {"subnets": [], "securityGroupIds": ["sg-1"]}}
        self.assertEqual(control.lambda_handler(event("CreateTrainingJob", request), None, sm)["action"], "stopped")

    def test_model_without_vpc_is_deleted(self):
        sm = FakeSageMaker()
        result = control.lambda_handler(event("CreateModel", {"modelName": "m-1"}), None, sm)
        self.assertEqual(result, {"action": "deleted", "modelName": "m-1"})
        self.assertEqual(sm.calls, [("delete_model", {"ModelName": "m-1"})])

    def test_model_in_vpc_is_left_alone(self):
        sm = FakeSageMaker()
        result = control.lambda_handler(event("CreateModel", {"modelName": "m", "vpcConfig": VPC}), None, sm)
        self.assertEqual(result["action"], "none")
        self.assertEqual(sm.calls, [])

    def test_api_errors_are_logged_not_raised(self):
        sm = FakeSageMaker(fail=True)
        with self.assertLogs(level=logging.ERROR) as logs:
            result = control.lambda_handler(event("CreateModel", {"modelName": "m-2"}), None, sm)
        self.assertEqual(result["action"], "failed")
        self.assertIn("ValidationException", "\n".join(logs.output))

    def test_other_events_are_ignored(self):
        sm = FakeSageMaker()
        self.assertEqual(control.lambda_handler(event("CreateEndpoint", {}), None, sm)["action"], "ignored")
        other = {"detail": {"eventSource": "s3.amazonaws.com", "eventName": "CreateModel"}}
        self.assertEqual(control.lambda_handler(other, None, sm)["action"], "ignored")
        self.assertEqual(sm.calls, [])

    def test_each_action_is_logged(self):
        with self.assertLogs(level=logging.INFO) as logs:
            control.lambda_handler(event("CreateTrainingJob", {"trainingJobName": "job-3"}), None, FakeSageMaker())
        text = "\n".join(logs.output)
        self.assertIn("Event:", text)
        self.assertIn("StopTrainingJob", text)


if __name__ == "__main__":
    unittest.main()
