//! `DetectiveControl` → `ds_admin_detective.yaml`: a Lambda function (from the
//! `vpc_detective_control.zip` asset) that an EventBridge rule calls for every SageMaker
//! `CreateTrainingJob` and `CreateModel` seen by CloudTrail; it stops or deletes what was created
//! without a VPC.

use crate::admin_principals::{aws_managed, stack_set_parameter};
use crate::assets;
use crate::cfn::value::sub;
use crate::cfn::Value;
use crate::common::{policy_document, trust_service, with_stack_suffix, Statement};
use crate::construct::{Construct, Synth};
use crate::shared_network::SharedNetwork;
use crate::stack::Stack;
use crate::{list, map};

pub const FILE: &str = "ds_admin_detective.yaml";

/// The Lambda runtime used unless configured. The reference's `python3.7` can no longer be
/// used for new functions.
/// See: <https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>
pub const DEFAULT_RUNTIME: &str = "python3.14";

/// The detective control: a Lambda function, called by an EventBridge rule on SageMaker
/// `CreateTrainingJob` and `CreateModel`, that stops or deletes what was created outside the VPC.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectiveControl {
    /// The Lambda runtime. Default [`DEFAULT_RUNTIME`].
    pub runtime: String,
}

/// The configuration's `detective_control` section sets these properties.
pub type DetectiveControlProps = DetectiveControl;

impl Default for DetectiveControl {
    fn default() -> Self {
        DetectiveControl { runtime: DEFAULT_RUNTIME.to_string() }
    }
}

impl DetectiveControl {
    /// The function's name (fixed, as in the reference): what alarms and dashboards watch.
    pub const FUNCTION_NAME: &'static str = "SageMakerVPCEnforcer";
}

impl Construct for DetectiveControl {
    fn synth(&self, app: &mut Synth) -> Stack {
        detective_control(self, app.hardened())
    }
}

/// What the function may do to SageMaker resources.
const FUNCTION_ACTIONS: &[&str] = &[
    "sagemaker:DeleteTags",
    "sagemaker:DeleteEndpointConfig",
    "sagemaker:ListTags",
    "sagemaker:ListTransformJobs",
    "sagemaker:StopTrainingJob",
    "sagemaker:DeleteModel",
    "sagemaker:ListTrainingJobs",
    "sagemaker:ListHyperParameterTuningJobs",
    "sagemaker:DeleteEndpoint",
    "sagemaker:ListModels",
    "sagemaker:StopTransformJob",
    "sagemaker:AddTags",
    "sagemaker:ListEndpoints",
];

fn detective_control(props: &DetectiveControl, hardened: bool) -> Stack {
    let mut s = Stack::new(
        FILE,
        "Deploy a Lambda function and CloudWatch trigger to inspect SageMaker resources and ensure they are attached to a VPC.",
    );
    let set = stack_set_parameter(&mut s);
    let dlq = hardened.then(|| {
        s.add(
            "DetectiveControlDeadLetterQueue",
            "AWS::SQS::Queue",
            map! { "KmsMasterKeyId" => "alias/aws/sqs", "MessageRetentionPeriod" => 1_209_600 },
        )
    });
    let policy = match &dlq {
        // Only what the handler calls, on SageMaker ARNs of this account; and its dead letters.
        Some(dlq) => policy_document(vec![
            Statement::allow()
                .sid("StopOrDeleteWhatIsOutsideTheVpc")
                .actions(&["sagemaker:StopTrainingJob", "sagemaker:DeleteModel"])
                .resource(list![
                    sub("arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:training-job/*"),
                    sub("arn:aws:sagemaker:${AWS::Region}:${AWS::AccountId}:model/*"),
                ])
                .build(),
            Statement::allow().sid("DeadLetters").action("sqs:SendMessage").resource(dlq.arn()).build(),
        ]),
        None => policy_document(vec![Statement::allow()
            .sid("VisualEditor0")
            .actions(FUNCTION_ACTIONS)
            .any_resource()
            .build()]),
    };
    let role = s.add(
        "SageMakerDetectiveControlExecutionRole",
        "AWS::IAM::Role",
        map! {
            "AssumeRolePolicyDocument" => trust_service("lambda.amazonaws.com"),
            "RoleName" => with_stack_suffix(vec![sub(format!("${{{}}}-SageMaker-DetectiveControl-", set.name()))]),
            "Policies" => list![Value::Map(map! { "PolicyName" => "LambdaInlineForSageMaker", "PolicyDocument" => policy })],
            // In the VPC (hardened), the function's network interfaces need the VPC access role.
            "ManagedPolicyArns" => aws_managed(&[if hardened {
                "service-role/AWSLambdaVPCAccessExecutionRole"
            } else {
                "service-role/AWSLambdaBasicExecutionRole"
            }]),
        },
    );
    let mut function_props = map! {
        "FunctionName" => DetectiveControl::FUNCTION_NAME,
        "Description" => "Detective control to enforce VPC attachment of SageMaker resources",
        "Runtime" => props.runtime.as_str(),
        "Code" => assets::DETECTIVE_CONTROL.zip_name,
        "Handler" => assets::DETECTIVE_CONTROL_HANDLER,
        "MemorySize" => 320,
        "Timeout" => 180,
        "Role" => role.arn(),
    };
    if let Some(dlq) = &dlq {
        function_props.insert("DeadLetterConfig".into(), Value::Map(map! { "TargetArn" => dlq.arn() }));
        function_props.insert("ReservedConcurrentExecutions".into(), Value::from(5));
        // In the platform's subnets with SageMaker's security group: the SageMaker API, all the
        // handler calls, through the network's interface endpoint.
        function_props.insert(
            "VpcConfig".into(),
            Value::Map(map! {
                "SecurityGroupIds" => list![SharedNetwork::SAGEMAKER_SECURITY_GROUP.import(&set)],
                "SubnetIds" => Value::List(SharedNetwork::SUBNETS.iter().map(|x| x.import(&set)).collect()),
            }),
        );
    }
    let function = s.add("SageMakerVPCDetectiveControl", "AWS::Lambda::Function", function_props);
    if hardened {
        // Errors mean something created outside the VPC may still be running.
        s.add(
            "DetectiveControlErrorsAlarm",
            "AWS::CloudWatch::Alarm",
            map! {
                "AlarmDescription" => "The SageMaker VPC detective control failed: check its logs and dead-letter queue",
                "Namespace" => "AWS/Lambda",
                "MetricName" => "Errors",
                "Dimensions" => list![Value::Map(map! { "Name" => "FunctionName", "Value" => function.r() })],
                "Statistic" => "Sum",
                "Period" => 300,
                "EvaluationPeriods" => 1,
                "Threshold" => 1,
                "ComparisonOperator" => "GreaterThanOrEqualToThreshold",
                "TreatMissingData" => "notBreaching",
            },
        );
    }
    let pattern = map! {
        "source" => list!["aws.sagemaker"],
        "detail-type" => list!["AWS API Call via CloudTrail"],
        "detail" => Value::Map(map! {
            "eventSource" => list!["sagemaker.amazonaws.com"],
            "eventName" => list!["CreateTrainingJob", "CreateModel"],
        }),
    };
    let rule = s.add(
        "SageMakerVPCEnforcementRule",
        "AWS::Events::Rule",
        map! {
            "Description" => "The Cloudwatch Rule checking VPC enablement of SageMaker resources",
            "EventPattern" => Value::Map(pattern),
            "Name" => "SageMakerVPCEnforcementRule",
            "State" => "ENABLED",
            "Targets" => list![Value::Map(map! { "Arn" => function.arn(), "Id" => "SagemakerVPCEnforcementLambda" })],
        },
    );
    // The reference's explicit dependencies repeat what the GetAtts say (cfn-lint W3005).
    if !hardened {
        s.depends_on(&rule, &function);
    }
    let permission = s.add(
        "InvokeLambdaPermission",
        "AWS::Lambda::Permission",
        map! {
            "FunctionName" => function.arn(),
            "Action" => "lambda:InvokeFunction",
            "Principal" => "events.amazonaws.com",
            "SourceArn" => rule.arn(),
        },
    );
    if !hardened {
        s.depends_on(&permission, &rule);
    }
    s
}
