"""Detective control: stops SageMaker training jobs and deletes models created without a VPC.

EventBridge calls `lambda_handler` with CloudTrail events for SageMaker API calls (the rule in
ds_admin_detective.yaml matches CreateTrainingJob and CreateModel). A training job or model whose
request has no VPC configuration could reach the internet outside the platform's network, so it
is stopped (training job) or deleted (model). API errors are logged, never raised: a failing
call must not make EventBridge retry the event forever.
"""

import json
import logging

logger = logging.getLogger()
logger.setLevel(logging.INFO)

SAGEMAKER = "sagemaker.amazonaws.com"

# Event name -> (request field naming the resource, API call, client method, its argument, result word)
REMEDIES = {
    "CreateTrainingJob": ("trainingJobName", "StopTrainingJob", "stop_training_job", "TrainingJobName", "stopped"),
    "CreateModel": ("modelName", "DeleteModel", "delete_model", "ModelName", "deleted"),
}


def _sagemaker_client():
    import boto3  # available in the Lambda runtime; imported late so tests need no boto3

    return boto3.client("sagemaker")


def _has_vpc(request):
    vpc = request.get("vpcConfig") or {}
    return bool(vpc.get("subnets")) and bool(vpc.get("securityGroupIds"))


def _call(action, fn, **kwargs):
    """Runs one SageMaker call; logs and reports failures instead of raising."""
    try:
        fn(**kwargs)
        logger.info("%s %s", action, json.dumps(kwargs))
        return True
    except Exception as error:  # botocore's ClientError and friends; never re-raised
        logger.error("%s %s failed: %s", action, json.dumps(kwargs), error)
        return False


def lambda_handler(event, context, client=None):
    """Handles one EventBridge event; returns what it did, for logs and tests."""
    logger.info("Event: %s", json.dumps(event, default=str))
    detail = event.get("detail") or {}
    if detail.get("eventSource") != SAGEMAKER:
        logger.info("Ignored: not a SageMaker event")
        return {"action": "ignored", "reason": "not a SageMaker event"}
    name = detail.get("eventName")
    request = detail.get("requestParameters") or {}

    remedy = REMEDIES.get(name)
    if remedy is None:
        logger.info("Ignored: event %s", name)
        return {"action": "ignored", "reason": "event %s" % name}
    request_key, call, method, argument, done_word = remedy
    target = request.get(request_key)
    if _has_vpc(request):
        return {"action": "none", request_key: target}
    sm = client or _sagemaker_client()
    done = _call(call, getattr(sm, method), **{argument: target})
    return {"action": done_word if done else "failed", request_key: target}
