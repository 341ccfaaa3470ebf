//! Recorded-response stand-ins on loopback, for what moto cannot produce: an endpoint that accepts
//! connections and never answers, a web server answering 404 in HTML, and a CloudFormation API
//! whose stack stays in progress, rolls back with events, or fails some calls (moto executes change
//! sets synchronously and reports failures from ExecuteChangeSet). The CloudFormation stand-in is
//! reached through `AWS_ENDPOINT_URL_CLOUDFORMATION`; STS and S3 stay on moto.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// Binds a loopback port that accepts connections (the kernel completes them) and never answers.
pub fn silent() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

/// Reads one HTTP request: (first line, body).
fn read_request(stream: &TcpStream) -> Option<(String, String)> {
    let mut r = BufReader::new(stream);
    let mut first = String::new();
    r.read_line(&mut first).ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        r.read_line(&mut line).ok()?;
        if line.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    r.read_exact(&mut body).ok()?;
    Some((first, String::from_utf8_lossy(&body).into_owned()))
}

fn respond(mut stream: &TcpStream, status: &str, content_type: &str, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Serves every connection with `answer(first line, body) -> (status, content type, body)`.
fn serve(answer: impl Fn(&str, &str) -> (String, String, String) + Send + 'static) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in l.incoming().flatten() {
            if let Some((first, body)) = read_request(&stream) {
                let (status, kind, text) = answer(&first, &body);
                respond(&stream, &status, &kind, &text);
            }
        }
    });
    port
}

/// A web server that answers everything with an HTML 404 page.
pub fn html_404() -> u16 {
    serve(|_, _| ("404 Not Found".into(), "text/html".into(), "<html><body><h1>Not Found</h1></body></html>".into()))
}

/// What the CloudFormation stand-in does once the change set is executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// The stack stays UPDATE_IN_PROGRESS.
    InProgress,
    /// The stack rolls back; its events hold the failed resource and the reason.
    Rollback,
    /// The stack completes (with an output).
    Complete,
    /// The stack completes, then DescribeStacks fails (reading the outputs).
    OutputsFail,
    /// The change set has no changes and DeleteChangeSet fails.
    EmptyDeleteFails,
    /// The change set stays CREATE_PENDING.
    ChangeSetPending,
}

const NS: &str = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/standin/1";

fn ok(action: &str, result: &str) -> (String, String, String) {
    (
        "200 OK".into(),
        "text/xml".into(),
        format!(
            "<{action}Response xmlns=\"{NS}\"><{action}Result>{result}</{action}Result><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{action}Response>"
        ),
    )
}

fn error(code: &str, message: &str) -> (String, String, String) {
    (
        "400 Bad Request".into(),
        "text/xml".into(),
        format!(
            "<ErrorResponse xmlns=\"{NS}\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>r</RequestId></ErrorResponse>"
        ),
    )
}

fn now() -> String {
    aws_smithy_types::DateTime::from(std::time::SystemTime::now())
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .expect("time")
}

fn stacks(status: &str) -> String {
    format!(
        "<Stacks><member><StackName>standin</StackName><StackId>{STACK_ID}</StackId><StackStatus>{status}</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime><Outputs><member><OutputKey>Answer</OutputKey><OutputValue>42</OutputValue></member></Outputs></member></Stacks>"
    )
}

fn event(id: &str, logical: &str, kind: &str, status: &str, reason: &str) -> String {
    format!(
        "<member><StackId>{STACK_ID}</StackId><EventId>{id}</EventId><StackName>standin</StackName><LogicalResourceId>{logical}</LogicalResourceId><PhysicalResourceId>p-{logical}</PhysicalResourceId><ResourceType>{kind}</ResourceType><Timestamp>{}</Timestamp><ResourceStatus>{status}</ResourceStatus><ResourceStatusReason>{reason}</ResourceStatusReason></member>",
        now()
    )
}

/// The actions a stand-in received, in order.
pub type Calls = Arc<Mutex<Vec<String>>>;

/// The CloudFormation stand-in; returns its port and the actions it received, in order.
pub fn cloudformation(script: Script) -> (u16, Calls) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let seen = calls.clone();
    let port = serve(move |_, body| {
        let action = body.split('&').find_map(|kv| kv.strip_prefix("Action=")).unwrap_or("").to_string();
        // No bootstrap stack here (publish looks for it first); not one of the scripted calls.
        if body.split('&').any(|kv| kv == "StackName=sds-bootstrap") {
            return error("ValidationError", "Stack with id sds-bootstrap does not exist");
        }
        let mut calls = seen.lock().expect("calls");
        calls.push(action.clone());
        let executed = calls.iter().any(|c| c == "ExecuteChangeSet");
        let described_after =
            calls.iter().skip_while(|c| *c != "ExecuteChangeSet").filter(|c| *c == "DescribeStacks").count();
        match action.as_str() {
            "DescribeStacks" if !executed => ok("DescribeStacks", &stacks("UPDATE_COMPLETE")),
            "DescribeStacks" => match script {
                Script::InProgress => ok("DescribeStacks", &stacks("UPDATE_IN_PROGRESS")),
                Script::Rollback => ok("DescribeStacks", &stacks("UPDATE_ROLLBACK_COMPLETE")),
                Script::Complete => ok("DescribeStacks", &stacks("UPDATE_COMPLETE")),
                Script::OutputsFail if described_after <= 1 => ok("DescribeStacks", &stacks("UPDATE_COMPLETE")),
                _ => error("Throttling", "the stand-in refuses to describe the stack"),
            },
            "CreateChangeSet" => ok("CreateChangeSet", &format!("<Id>{STACK_ID}/cs</Id><StackId>{STACK_ID}</StackId>")),
            "DescribeChangeSet" if script == Script::EmptyDeleteFails => ok(
                "DescribeChangeSet",
                "<Status>FAILED</Status><StatusReason>The submitted information didn't contain changes. Submit different information to create a change set.</StatusReason>",
            ),
            "DescribeChangeSet" if script == Script::ChangeSetPending => {
                ok("DescribeChangeSet", "<Status>CREATE_PENDING</Status><ExecutionStatus>UNAVAILABLE</ExecutionStatus>")
            }
            "DescribeChangeSet" => ok(
                "DescribeChangeSet",
                "<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><Changes><member><Type>Resource</Type><ResourceChange><Action>Modify</Action><LogicalResourceId>Topic</LogicalResourceId><ResourceType>AWS::SNS::Topic</ResourceType><Replacement>False</Replacement></ResourceChange></member></Changes>",
            ),
            "ExecuteChangeSet" => ok("ExecuteChangeSet", ""),
            "DeleteChangeSet" => error("ValidationError", "the stand-in refuses to delete change sets"),
            "DescribeStackEvents" if script == Script::Rollback => ok(
                "DescribeStackEvents",
                &format!(
                    "<StackEvents>{}{}</StackEvents>",
                    event("e2", "standin", "AWS::CloudFormation::Stack", "UPDATE_ROLLBACK_COMPLETE", ""),
                    event("e1", "Topic", "AWS::SNS::Topic", "UPDATE_FAILED", "Topic name is already taken by the stand-in"),
                ),
            ),
            "DescribeStackEvents" => ok("DescribeStackEvents", "<StackEvents></StackEvents>"),
            other => error("InvalidAction", &format!("the stand-in does not know {other}")),
        }
    });
    (port, calls)
}
