//! `sds validate`'s rules from the IAM service-authorization data: a condition on a service key
//! none of the statement's actions carries, and a resource ARN of no type its actions act on,
//! each a located warning; the same statements written right give none.

use super::{findings, findings_of, generated};

const POLICY: &str = "Resources:
  Policy:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: ['sagemaker:CreateTrainingJob', 'sagemaker:CreateProcessingJob']
            Resource: '*'
            Condition:
              'Null': {'sagemaker:VolumeKmsKey': 'false', 'sagemaker:VolumeKmsKeyArn': 'false'}
              StringEquals: {'aws:SourceVpce': vpce-1, 'ec2:SourceInstanceARN': x}
          - Effect: Allow
            Action: 's3:GetObject'
            Resource: [!Sub 'arn:aws:s3:::${AWS::AccountId}-data', !Sub 'arn:aws:s3:::${AWS::AccountId}-data/*']
          - Effect: Allow
            Action: 's3:ListAllMyBuckets'
            Resource: 'arn:aws:s3:::*'
          - Effect: Allow
            Action: ['s3:GetObject', 's3:ListBucket']
            Resource: 'arn:aws:s3:::data'
";

#[test]
fn keys_and_resources_the_actions_never_see_are_warnings() {
    let (_t, p) = generated("policy.yaml", POLICY);
    let (code, doc) = findings(&[&p]);
    assert_eq!(code, 0, "warnings only: {doc:#}");
    let keys = findings_of(&doc, "sec/iam-condition-key-not-applicable");
    let pointers: Vec<&str> = keys.iter().map(|(p, _)| p.as_str()).collect();
    // Not the current key, not a global key, not another service's (maybe cross-service) key.
    assert_eq!(
        pointers,
        ["/Resources/Policy/Properties/PolicyDocument/Statement/0/Condition/Null/sagemaker:VolumeKmsKey"]
    );
    assert!(keys[0].1.contains("did you mean sagemaker:VolumeKmsKeyArn?"), "{}", keys[0].1);
    let resources = findings_of(&doc, "sec/iam-resource-not-applicable");
    let pointers: Vec<&str> = resources.iter().map(|(p, _)| p.as_str()).collect();
    // The bucket ARN for an object action, and a bucket pattern for an action on no resource;
    // not the objects, and not a bucket for a statement that also lists buckets.
    assert_eq!(
        pointers,
        [
            "/Resources/Policy/Properties/PolicyDocument/Statement/1/Resource/0",
            "/Resources/Policy/Properties/PolicyDocument/Statement/2/Resource",
        ]
    );
    assert!(resources[1].1.contains("need Resource: *"), "{}", resources[1].1);
}
