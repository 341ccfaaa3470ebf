//! The operations extension: a construct of our own, nested under the root, and one more VPC
//! endpoint in the shared network.

use sds_constructs::cfn::{sub, Output, Parameter, Value};
use sds_constructs::config::Config;
use sds_constructs::construct::{Construct, Synth};
use sds_constructs::detective_control::DetectiveControl;
use sds_constructs::export::Export;
use sds_constructs::platform::Platform;
use sds_constructs::shared_network::{EndpointPolicy, InterfaceEndpoint};
use sds_constructs::shared_services::{NestedStack, SharedServices};
use sds_constructs::stack::Stack;
use sds_constructs::{list, map};

/// Alarms for the platform's operators: an SNS topic (encrypted with the AWS managed SNS key) and
/// an alarm when the detective control's function fails.
#[derive(Debug, Clone, PartialEq)]
pub struct Operations {
    /// The alarm fires when the function fails at least this often in `period_seconds`. Default 1.
    pub error_threshold: u32,
    /// Default 300.
    pub period_seconds: u32,
}

impl Default for Operations {
    fn default() -> Self {
        Operations { error_threshold: 1, period_seconds: 300 }
    }
}

impl Operations {
    pub const FILE: &'static str = "ds_shared_operations.yaml";
    /// The topic's ARN, for other stacks to publish to or subscribe.
    pub const TOPIC_ARN: Export = Export::new("ds-operations-topic-{}-arn");
}

impl Construct for Operations {
    fn synth(&self, _: &mut Synth) -> Stack {
        let mut s = Stack::new(Self::FILE, "Operations alarms of the data science shared services.");
        let set = s.parameter(
            "StackSetName",
            Parameter::new("String").with("Description", "Common root name used across shared service resources"),
        );
        let function = s.parameter(
            "FunctionName",
            Parameter::new("String")
                .with("Default", DetectiveControl::FUNCTION_NAME)
                .with("Description", "The detective control's Lambda function"),
        );
        let topic = s.add(
            "OperationsTopic",
            "AWS::SNS::Topic",
            map! {
                "TopicName" => sub(format!("ds-operations-${{{}}}", set.name())),
                "KmsMasterKeyId" => "alias/aws/sns",
            },
        );
        let dimension = Value::Map(map! { "Name" => "FunctionName", "Value" => function.r() });
        s.add(
            "DetectiveControlErrorsAlarm",
            "AWS::CloudWatch::Alarm",
            map! {
                "AlarmDescription" => "The detective control failed: SageMaker resources outside the VPC may be left running.",
                "Namespace" => "AWS/Lambda",
                "MetricName" => "Errors",
                "Dimensions" => list![dimension],
                "Statistic" => "Sum",
                "Period" => i64::from(self.period_seconds),
                "EvaluationPeriods" => 1,
                "Threshold" => i64::from(self.error_threshold),
                "ComparisonOperator" => "GreaterThanOrEqualToThreshold",
                "TreatMissingData" => "notBreaching",
                "AlarmActions" => list![topic.r()],
            },
        );
        let mut arn = Output::new(topic.r());
        arn.description = Some("The operations topic".into());
        arn.export_name = Some(Self::TOPIC_ARN.name(&set));
        s.output("OperationsTopicArn", arn);
        s
    }
}

/// The platform the configuration describes, with the operations extension.
pub fn platform(config: &Config) -> Platform {
    let mut platform = Platform::from_config(config);
    let root = &mut platform.root;
    root.network.interface_endpoints.push(InterfaceEndpoint {
        policy: EndpointPolicy::AllowAll,
        ..InterfaceEndpoint::new("VPCEndpointSNS", "sns")
    });
    root.nested.push(
        NestedStack::new("SharedOperations", Operations::default())
            .parameter("StackSetName", SharedServices::stack_set_name())
            .depends_on(SharedServices::DETECTIVE_ID),
    );
    platform
}
