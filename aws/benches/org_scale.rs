//! The scale harness: the live source, end to end, against a synthetic organization answered
//! in-process by an HTTP-level replay client (no server, no emulator), with AWS's latency and
//! request-rate limits, so that the figures are about snapguard and AWS, not about a test
//! server.
//!
//! Run: `cargo bench -p snapguard-aws --bench org_scale -- --accounts 1000 --regions 4
//! --latency-ms 60 [--concurrency 8,64]`. It ends with one line per concurrency:
//! `wall/floor=R peak_mib=M calls/needed=C throttled_errors=T`.
//!
//! The model:
//! - `--accounts` accounts (the first is the management account, scanned with the base
//!   credentials; the others through `sts:AssumeRole`), `--regions` regions each; per
//!   account-region 250 snapshots, 50 volumes, 25 AMIs, one Recycle Bin rule per resource type,
//!   no instance, no DLM policy, AWS Backup vault or plan (their list calls are made and
//!   answered empty), EBS encryption by default on, no locked snapshot; one role in IAM; one
//!   SCP and no backup policy. Pages as AWS pages them: Describe calls at most 1,000 per page,
//!   Organizations' List calls 20.
//! - Every call is answered after `--latency-ms` (a tokio sleep).
//! - Request-rate limits: per account, region and API a token bucket. EC2: the documented
//!   limits for non-mutating actions, a bucket of 100 refilled at 20 a second
//!   (<https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html>, "Request
//!   token bucket sizes and refill rates"; "each API is evaluated individually"); an empty
//!   bucket answers `RequestLimitExceeded`. Recycle Bin, DLM and AWS Backup publish no figures:
//!   the same bucket is assumed (they are called a few times per account-region, far below
//!   it). IAM and Organizations publish none either: one account-wide bucket each, assumed
//!   20 refilled at 10 a second and 10 at 5. STS `AssumeRole`: 600 a second per account,
//!   never the bound here.
//! - The floor, from the same parameters ([`floor`]): per account-region and API the larger
//!   of (calls x latency / usable parallelism) and ((calls - bucket) / refill); an
//!   account-region takes one round trip to list its resources and then its slowest API (the
//!   APIs have separate buckets and can run side by side); the account-regions share
//!   `--concurrency` slots, in rounds; before them, the organization's listing (one page after
//!   another) and per account `AssumeRole`, `DescribeRegions` and IAM, which take a slot each.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

const SNAPSHOTS: usize = 250;
const VOLUMES: usize = 50;
const IMAGES: usize = 25;
/// EC2's non-mutating request token bucket: size and refill per second.
const EC2_BUCKET: f64 = 100.0;
const EC2_REFILL: f64 = 20.0;
/// IAM and Organizations, account-wide (assumed: neither documents its figures).
const IAM_BUCKET: f64 = 20.0;
const IAM_REFILL: f64 = 10.0;
const ORG_BUCKET: f64 = 10.0;
const ORG_REFILL: f64 = 5.0;
const STS_BUCKET: f64 = 600.0;
const STS_REFILL: f64 = 600.0;
/// Organizations' List page size, and the page sizes the scan asks EC2 for.
const ORG_PAGE: usize = 20;
const REGIONS: [&str; 17] = [
    "us-east-1",
    "eu-west-1",
    "ap-southeast-2",
    "us-west-2",
    "us-east-2",
    "us-west-1",
    "eu-central-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-south-1",
    "ca-central-1",
    "sa-east-1",
];

struct Bucket {
    tokens: f64,
    at: tokio::time::Instant,
}

/// The synthetic organization and AWS's behaviour in front of it.
struct Org {
    accounts: usize,
    regions: usize,
    latency: Duration,
    buckets: Mutex<HashMap<(String, String, String), Bucket>>,
    throttled: AtomicU64,
}

fn account_id(i: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + i as u64)
}

/// `key=value` pairs of a form-encoded query body (values left encoded: the replay's own
/// tokens and ids need no decoding).
fn form(body: &str) -> HashMap<&str, &str> {
    body.split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect()
}

fn json_field<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    let at = body.find(&format!("\"{name}\""))? + name.len() + 2;
    let rest = body[at..].trim_start_matches([':', ' ']);
    let rest = rest.strip_prefix('"').unwrap_or(rest);
    let end = rest.find(['"', ',', '}']).unwrap_or(rest.len());
    Some(&rest[..end])
}

impl Org {
    /// Takes one token from the bucket of (account, scope, api), if there is one.
    fn admit(&self, account: &str, scope: &str, api: &str, size: f64, refill: f64) -> bool {
        let now = tokio::time::Instant::now();
        let mut buckets = self.buckets.lock().unwrap();
        let bucket = buckets
            .entry((account.to_owned(), scope.to_owned(), api.to_owned()))
            .or_insert(Bucket {
                tokens: size,
                at: now,
            });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * refill).min(size);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            self.throttled.fetch_add(1, Ordering::Relaxed);
            false
        }
    }

    fn answer(&self, request: &HttpRequest) -> HttpResponse {
        let uri = request.uri().to_owned();
        let host = uri
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let path = uri
            .trim_start_matches("https://")
            .split_once('/')
            .map_or("", |(_, p)| p)
            .split('?')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut labels = host.split('.');
        let service = labels.next().unwrap_or_default();
        let region = labels
            .next()
            .filter(|r| *r != "amazonaws")
            .unwrap_or("us-east-1");
        let auth = request.headers().get("authorization").unwrap_or_default();
        let key = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next())
            .unwrap_or_default();
        let account = key
            .strip_prefix("ASIA")
            .map_or_else(|| account_id(0), str::to_owned);
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        match service {
            "ec2" => {
                let q = form(&body);
                let action = q.get("Action").copied().unwrap_or_default();
                if !self.admit(&account, region, action, EC2_BUCKET, EC2_REFILL) {
                    return xml(
                        503,
                        "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>\
                         Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID>\
                         </Response>"
                            .into(),
                    );
                }
                self.ec2(action, &q, &account, region)
            }
            "rbin" => {
                let api = if path.starts_with("list-rules") {
                    "ListRules"
                } else {
                    "GetRule"
                };
                if !self.admit(&account, region, api, EC2_BUCKET, EC2_REFILL) {
                    return json(429, "{\"message\":\"Rate exceeded\"}".into())
                        .with_type("ThrottlingException");
                }
                let resource = json_field(&body, "ResourceType").unwrap_or("EBS_SNAPSHOT");
                if api == "ListRules" {
                    json(
                        200,
                        format!(
                            r#"{{"Rules":[{{"Identifier":"rule-{resource}","Description":"keep","RetentionPeriod":{{"RetentionPeriodValue":14,"RetentionPeriodUnit":"DAYS"}},"LockState":"locked","RuleArn":"arn:aws:rbin:{region}:{account}:rule/rule-{resource}"}}]}}"#
                        ),
                    )
                } else {
                    let id = path.trim_start_matches("rules/");
                    let resource = id.trim_start_matches("rule-");
                    json(
                        200,
                        format!(
                            r#"{{"Identifier":"{id}","ResourceType":"{resource}","RetentionPeriod":{{"RetentionPeriodValue":14,"RetentionPeriodUnit":"DAYS"}},"ResourceTags":[],"ExcludeResourceTags":[],"Status":"available","LockState":"locked"}}"#
                        ),
                    )
                }
            }
            "dlm" | "backup" => {
                let api = format!("{service} {} {path}", request.method());
                if !self.admit(&account, region, &api, EC2_BUCKET, EC2_REFILL) {
                    return json(429, "{\"message\":\"Rate exceeded\"}".into())
                        .with_type("ThrottlingException");
                }
                let empty = match (service, path.trim_end_matches('/')) {
                    ("dlm", "policies") => r#"{"Policies":[]}"#,
                    ("backup", "backup-vaults") => r#"{"BackupVaultList":[]}"#,
                    ("backup", "backup/plans") => r#"{"BackupPlansList":[]}"#,
                    _ => {
                        return json(404, format!(r#"{{"Message":"{api}"}}"#))
                            .with_type("ResourceNotFoundException")
                    }
                };
                json(200, empty.into())
            }
            "iam" => {
                if !self.admit(&account, "global", "iam", IAM_BUCKET, IAM_REFILL) {
                    return xml(400, query_error("Throttling"));
                }
                let trust = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
                xml(
                    200,
                    format!(
                        "<GetAccountAuthorizationDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
                         <GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated>\
                         <UserDetailList/><GroupDetailList/><RoleDetailList><member>\
                         <RoleName>app</RoleName><RoleId>AROAAPP</RoleId><Arn>arn:aws:iam::{account}:role/app</Arn>\
                         <Path>/</Path><CreateDate>2025-01-01T00:00:00Z</CreateDate>\
                         <AssumeRolePolicyDocument>{trust}</AssumeRolePolicyDocument>\
                         <RolePolicyList/><AttachedManagedPolicies/><Tags/><InstanceProfileList/>\
                         </member></RoleDetailList><Policies/></GetAccountAuthorizationDetailsResult>\
                         <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                         </GetAccountAuthorizationDetailsResponse>"
                    ),
                )
            }
            "sts" => {
                let q = form(&body);
                if !self.admit(&account, region, "sts", STS_BUCKET, STS_REFILL) {
                    return xml(400, query_error("Throttling"));
                }
                match q.get("Action").copied() {
                    Some("AssumeRole") => {
                        let role = q.get("RoleArn").copied().unwrap_or_default();
                        let target = role
                            .split("iam%3A%3A")
                            .nth(1)
                            .map(|r| &r[..12.min(r.len())])
                            .unwrap_or_default();
                        xml(
                            200,
                            format!(
                                "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                                 <AssumeRoleResult><Credentials><AccessKeyId>ASIA{target}</AccessKeyId>\
                                 <SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken>\
                                 <Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>\
                                 <AssumedRoleUser><AssumedRoleId>AROA:scan</AssumedRoleId>\
                                 <Arn>arn:aws:sts::{target}:assumed-role/scan/scan</Arn></AssumedRoleUser>\
                                 </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId>\
                                 </ResponseMetadata></AssumeRoleResponse>"
                            ),
                        )
                    }
                    _ => xml(
                        200,
                        format!(
                            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                             <GetCallerIdentityResult><Arn>arn:aws:iam::{account}:user/scanner</Arn>\
                             <UserId>AIDASCAN</UserId><Account>{account}</Account></GetCallerIdentityResult>\
                             <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
                             </GetCallerIdentityResponse>"
                        ),
                    ),
                }
            }
            "organizations" => {
                if !self.admit(&account, "global", "organizations", ORG_BUCKET, ORG_REFILL) {
                    return json(400, "{\"Message\":\"Rate exceeded\"}".into())
                        .with_type("TooManyRequestsException");
                }
                let target = request
                    .headers()
                    .get("x-amz-target")
                    .unwrap_or_default()
                    .rsplit('.')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                self.organizations(&target, &body)
            }
            other => xml(400, query_error(&format!("UnknownService{other}"))),
        }
    }

    fn organizations(&self, target: &str, body: &str) -> HttpResponse {
        let management = account_id(0);
        let root = "r-root";
        let page = |start: usize| {
            let end = (start + ORG_PAGE).min(self.accounts);
            let items: Vec<String> = (start..end)
                .map(|i| {
                    let id = account_id(i);
                    format!(
                        r#"{{"Id":"{id}","Arn":"arn:aws:organizations::{management}:account/o-scale/{id}","Name":"account-{i}","Status":"ACTIVE"}}"#
                    )
                })
                .collect();
            let next = if end < self.accounts {
                format!(r#","NextToken":"{end}""#)
            } else {
                String::new()
            };
            format!(r#"{{"Accounts":[{}]{next}}}"#, items.join(","))
        };
        let start = json_field(body, "NextToken")
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let text = match target {
            "DescribeOrganization" => format!(
                r#"{{"Organization":{{"Id":"o-scale","Arn":"arn:aws:organizations::{management}:organization/o-scale","MasterAccountId":"{management}","FeatureSet":"ALL"}}}}"#
            ),
            "ListAccounts" => page(start),
            "ListAccountsForParent" => {
                if json_field(body, "ParentId") == Some(root) {
                    page(start)
                } else {
                    r#"{"Accounts":[]}"#.into()
                }
            }
            "ListRoots" => format!(
                r#"{{"Roots":[{{"Id":"{root}","Arn":"arn:aws:organizations::{management}:root/o-scale/{root}","Name":"Root","PolicyTypes":[]}}]}}"#
            ),
            "ListOrganizationalUnitsForParent" => r#"{"OrganizationalUnits":[]}"#.into(),
            "ListPolicies" if json_field(body, "Filter") == Some("BACKUP_POLICY") => {
                r#"{"Policies":[]}"#.into()
            }
            "ListPolicies" => r#"{"Policies":[{"Id":"p-FullAWSAccess","Arn":"arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY","AwsManaged":true}]}"#.into(),
            "DescribePolicy" => r#"{"Policy":{"PolicySummary":{"Id":"p-FullAWSAccess","Name":"FullAWSAccess","Type":"SERVICE_CONTROL_POLICY","AwsManaged":true},"Content":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"}}"#.into(),
            "ListTargetsForPolicy" => format!(
                r#"{{"Targets":[{{"TargetId":"{root}","Arn":"arn:aws:organizations::{management}:root/o-scale/{root}","Name":"Root","Type":"ROOT"}}]}}"#
            ),
            other => return json(400, format!(r#"{{"Message":"{other}"}}"#)).with_type("InvalidInputException"),
        };
        json(200, text)
    }

    fn ec2(
        &self,
        action: &str,
        q: &HashMap<&str, &str>,
        account: &str,
        region: &str,
    ) -> HttpResponse {
        let ns = "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"";
        let page_size = q
            .get("MaxResults")
            .and_then(|m| m.parse::<usize>().ok())
            .unwrap_or(1000)
            .min(1000);
        let start: usize = q.get("NextToken").and_then(|t| t.parse().ok()).unwrap_or(0);
        // Items start..end of total, and the nextToken element if more follow.
        let window = |total: usize| {
            let end = (start + page_size).min(total);
            let next = if end < total {
                format!("<nextToken>{end}</nextToken>")
            } else {
                String::new()
            };
            (start..end, next)
        };
        let tags = "<tagSet><item><key>Owner</key><value>team</value></item>\
                    <item><key>Retention</key><value>30d</value></item></tagSet>";
        let body = match action {
            "DescribeRegions" => {
                let items: String = REGIONS[..self.regions]
                    .iter()
                    .map(|r| {
                        format!(
                            "<item><regionName>{r}</regionName><regionEndpoint>ec2.{r}.amazonaws.com\
                             </regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
                        )
                    })
                    .collect();
                format!("<DescribeRegionsResponse {ns}><requestId>r</requestId><regionInfo>{items}</regionInfo></DescribeRegionsResponse>")
            }
            "DescribeVolumes" => {
                let (range, next) = window(VOLUMES);
                let items: String = range
                    .map(|i| {
                        format!(
                            "<item><volumeId>vol-{account}{i:05}</volumeId><size>8</size>\
                             <availabilityZone>{region}a</availabilityZone><status>available</status>\
                             <createTime>2025-01-01T00:00:00.000Z</createTime><volumeType>gp3</volumeType>\
                             <encrypted>true</encrypted><attachmentSet/>{tags}</item>"
                        )
                    })
                    .collect();
                format!("<DescribeVolumesResponse {ns}><requestId>r</requestId><volumeSet>{items}</volumeSet>{next}</DescribeVolumesResponse>")
            }
            "DescribeInstances" => format!(
                "<DescribeInstancesResponse {ns}><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>"
            ),
            "DescribeSnapshots" => {
                let public = q.contains_key("RestorableBy.1") || q.contains_key("RestorableByUserId.1");
                let (range, next) = window(if public { 0 } else { SNAPSHOTS });
                let items: String = range
                    .map(|i| {
                        format!(
                            "<item><snapshotId>snap-{account}{i:05}</snapshotId><volumeId>vol-{account}{:05}</volumeId>\
                             <status>completed</status><startTime>2025-01-01T00:00:00.000Z</startTime>\
                             <ownerId>{account}</ownerId><volumeSize>8</volumeSize><encrypted>true</encrypted>\
                             <storageTier>standard</storageTier>{tags}</item>",
                            i % VOLUMES
                        )
                    })
                    .collect();
                format!("<DescribeSnapshotsResponse {ns}><requestId>r</requestId><snapshotSet>{items}</snapshotSet>{next}</DescribeSnapshotsResponse>")
            }
            "DescribeImages" => {
                let public = q.contains_key("ExecutableBy.1");
                let (range, next) = window(if public { 0 } else { IMAGES });
                let items: String = range
                    .map(|i| {
                        format!(
                            "<item><imageId>ami-{account}{i:05}</imageId><imageState>available</imageState>\
                             <imageOwnerId>{account}</imageOwnerId><isPublic>false</isPublic><name>image-{i}</name>\
                             <creationDate>2025-01-01T00:00:00.000Z</creationDate><blockDeviceMapping><item>\
                             <deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-{account}{i:05}</snapshotId></ebs>\
                             </item></blockDeviceMapping>{tags}</item>"
                        )
                    })
                    .collect();
                format!("<DescribeImagesResponse {ns}><requestId>r</requestId><imagesSet>{items}</imagesSet>{next}</DescribeImagesResponse>")
            }
            "DescribeSnapshotAttribute" => format!(
                "<DescribeSnapshotAttributeResponse {ns}><requestId>r</requestId><snapshotId>{}</snapshotId>\
                 <createVolumePermission/></DescribeSnapshotAttributeResponse>",
                q.get("SnapshotId").copied().unwrap_or_default()
            ),
            "DescribeImageAttribute" => format!(
                "<DescribeImageAttributeResponse {ns}><requestId>r</requestId><imageId>{}</imageId>\
                 <launchPermission/></DescribeImageAttributeResponse>",
                q.get("ImageId").copied().unwrap_or_default()
            ),
            "GetSnapshotBlockPublicAccessState" => format!(
                "<GetSnapshotBlockPublicAccessStateResponse {ns}><requestId>r</requestId><state>block-all-sharing</state></GetSnapshotBlockPublicAccessStateResponse>"
            ),
            "GetEbsEncryptionByDefault" => format!(
                "<GetEbsEncryptionByDefaultResponse {ns}><requestId>r</requestId><ebsEncryptionByDefault>true</ebsEncryptionByDefault><sseType>sse-ebs</sseType></GetEbsEncryptionByDefaultResponse>"
            ),
            "GetEbsDefaultKmsKeyId" => format!(
                "<GetEbsDefaultKmsKeyIdResponse {ns}><requestId>r</requestId><kmsKeyId>alias/aws/ebs</kmsKeyId></GetEbsDefaultKmsKeyIdResponse>"
            ),
            "DescribeLockedSnapshots" => format!(
                "<DescribeLockedSnapshotsResponse {ns}><requestId>r</requestId><snapshotSet/></DescribeLockedSnapshotsResponse>"
            ),
            "GetImageBlockPublicAccessState" => format!(
                "<GetImageBlockPublicAccessStateResponse {ns}><requestId>r</requestId><imageBlockPublicAccessState>block-new-sharing</imageBlockPublicAccessState></GetImageBlockPublicAccessStateResponse>"
            ),
            other => return xml(400, format!("<Response><Errors><Error><Code>InvalidAction</Code><Message>{other}</Message></Error></Errors><RequestID>r</RequestID></Response>")),
        };
        xml(200, body)
    }
}

fn query_error(code: &str) -> String {
    format!(
        "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>Rate exceeded\
         </Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
}

fn xml(status: u16, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
    response.headers_mut().insert("content-type", "text/xml");
    response
}

fn json(status: u16, body: String) -> HttpResponse {
    let mut response = HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body));
    response
        .headers_mut()
        .insert("content-type", "application/x-amz-json-1.1");
    response
}

trait WithType {
    fn with_type(self, code: &'static str) -> Self;
}
impl WithType for HttpResponse {
    fn with_type(mut self, code: &'static str) -> Self {
        self.headers_mut().insert("x-amzn-errortype", code);
        self
    }
}

/// The replay client: every request answered by [`Org`] after the latency.
#[derive(Clone)]
struct Replay(Arc<Org>);

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Replay")
    }
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let org = self.0.clone();
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(org.latency).await;
            Ok(org.answer(&request))
        })
    }
}

impl HttpClient for Replay {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// The calls one account-region needs, by operation, for the synthetic data: each listing one
/// page (the public-resource filters of snapshots and images are a second call each), the
/// attribute call per snapshot and per image, a Recycle Bin `ListRules` and `GetRule` per
/// resource type, and one call for each account-region setting and backup service.
fn region_calls() -> Vec<(&'static str, usize)> {
    vec![
        ("ec2:DescribeVolumes", 1),
        ("ec2:DescribeInstances", 1),
        ("ec2:DescribeSnapshots", 2),
        ("ec2:DescribeImages", 2),
        ("ec2:DescribeSnapshotAttribute", SNAPSHOTS),
        ("ec2:DescribeImageAttribute", IMAGES),
        ("ec2:GetSnapshotBlockPublicAccessState", 1),
        ("ec2:GetImageBlockPublicAccessState", 1),
        ("ec2:GetEbsEncryptionByDefault", 1),
        ("ec2:GetEbsDefaultKmsKeyId", 1),
        ("ec2:DescribeLockedSnapshots", 1),
        ("rbin:ListRules", 2),
        ("rbin:GetRule", 2),
        ("dlm:GetLifecyclePolicies", 1),
        ("backup:ListBackupVaults", 1),
        ("backup:ListBackupPlans", 1),
    ]
}

/// The time one API's `calls` in one bucket take at best: the round trips spread over
/// `parallel` connections, or the refill once the bucket is spent, whichever is longer.
fn api_seconds(calls: f64, latency: f64, parallel: f64, bucket: f64, refill: f64) -> f64 {
    (calls * latency / parallel).max((calls - bucket).max(0.0) / refill)
}

/// The calls the data requires (no retries), and the floor of the wall time, in seconds,
/// from the same parameters as the replay: see the module's documentation.
fn floor(
    accounts: usize,
    regions: usize,
    latency: f64,
    concurrency: usize,
    attribute: usize,
) -> (u64, f64) {
    let slowest_api = region_calls()
        .into_iter()
        .map(|(operation, calls)| {
            let parallel = if operation.ends_with("Attribute") {
                attribute as f64
            } else {
                1.0
            };
            api_seconds(calls as f64, latency, parallel, EC2_BUCKET, EC2_REFILL)
        })
        .fold(0.0, f64::max);
    let region_seconds = latency + slowest_api;
    let slots = concurrency.max(1) as f64;
    let rounds = ((accounts * regions) as f64 / slots).ceil();
    // The organization: DescribeOrganization, ListRoots, the account pages of ListAccounts and
    // of ListAccountsForParent, ListOrganizationalUnitsForParent, and for SCPs and backup
    // policies ListPolicies, then DescribePolicy and ListTargetsForPolicy of the one SCP.
    let pages = accounts.div_ceil(ORG_PAGE);
    let org_calls = 2 + 2 * pages + 1 + 2 + 2;
    let org_seconds = api_seconds(org_calls as f64, latency, 1.0, ORG_BUCKET, ORG_REFILL);
    // GetCallerIdentity, then per account AssumeRole (not the management account),
    // DescribeRegions and GetAccountAuthorizationDetails, each holding a slot.
    let account_calls = 3 * accounts - 1;
    let account_seconds = latency + account_calls as f64 * latency / slots;
    let region_total: usize = region_calls().iter().map(|(_, n)| n).sum();
    let needed = org_calls + 1 + account_calls + accounts * regions * region_total;
    (
        needed as u64,
        org_seconds + account_seconds + rounds * region_seconds,
    )
}

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let mut accounts = 1000usize;
    let mut regions = 4usize;
    let mut latency_ms = 60u64;
    let mut concurrencies: Vec<usize> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("a value after the flag");
        match arg.as_str() {
            "--accounts" => accounts = value().parse().expect("--accounts N"),
            "--regions" => regions = value().parse().expect("--regions N"),
            "--latency-ms" => latency_ms = value().parse().expect("--latency-ms N"),
            "--concurrency" => {
                concurrencies = value()
                    .split(',')
                    .map(|c| c.parse().expect("--concurrency N,..."))
                    .collect()
            }
            "--bench" => {} // cargo bench's own
            other => panic!("unknown argument {other}: expected --accounts, --regions, --latency-ms, --concurrency"),
        }
    }
    assert!((1..=REGIONS.len()).contains(&regions), "--regions 1..=17");
    if concurrencies.is_empty() {
        concurrencies.push(snapguard_aws::LiveOptions::default().concurrency);
    }
    for (k, v) in [
        ("AWS_ACCESS_KEY_ID", "AKIASCALEHARNESS"),
        ("AWS_SECRET_ACCESS_KEY", "secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/snapguard-org-scale"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/snapguard-org-scale",
        ),
    ] {
        std::env::set_var(k, v);
    }
    for k in [
        "AWS_PROFILE",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_ENDPOINT_URL",
    ] {
        std::env::remove_var(k);
    }
    let latency = Duration::from_millis(latency_ms);
    for concurrency in concurrencies {
        let org = Arc::new(Org {
            accounts,
            regions,
            latency,
            buckets: Mutex::new(HashMap::new()),
            throttled: AtomicU64::new(0),
        });
        let options = snapguard_aws::LiveOptions {
            org: true,
            concurrency,
            progress: false,
            http_client: Some(SharedHttpClient::new(Replay(org.clone()))),
            ..snapguard_aws::LiveOptions::default()
        };
        let (needed, floor_seconds) = floor(
            accounts,
            regions,
            latency.as_secs_f64(),
            concurrency,
            options.attribute_concurrency,
        );
        let started = Instant::now();
        let inventory = snapguard_aws::collect(&options).expect("the scan runs");
        let wall = started.elapsed().as_secs_f64();
        let calls: u64 = inventory.api_calls.values().sum();
        let retries: u64 = inventory.throttle_retries.values().sum();
        let throttled_errors = inventory
            .not_scanned
            .iter()
            .filter(|g| {
                ["RequestLimitExceeded", "Throttling", "TooManyRequests"]
                    .iter()
                    .any(|c| g.error.contains(c))
            })
            .count();
        let scanned: usize = inventory.accounts.iter().map(|a| a.regions.len()).sum();
        eprintln!(
            "accounts={accounts} regions={regions} latency_ms={latency_ms} concurrency={concurrency}: \
             wall {wall:.1} s, floor {floor_seconds:.1} s, {scanned} account-regions read, {} gaps, \
             {calls} calls ({needed} needed), {} answered RequestLimitExceeded/Throttling, \
             {retries} throttling retries",
            inventory.not_scanned.len(),
            org.throttled.load(Ordering::Relaxed),
        );
        if let Some(gap) = inventory.not_scanned.first() {
            eprintln!("first gap: {gap:?}");
        }
        // The calls of the organization and the accounts, and per operation of the
        // account-regions against the model's count where they differ.
        let regional: Vec<&str> = region_calls().iter().map(|(o, _)| *o).collect();
        for (operation, made) in &inventory.api_calls {
            if !regional.contains(&operation.as_str()) {
                eprintln!("{operation}: {made} calls");
            }
        }
        // Calls per operation against the model's count, where they differ.
        let account_regions = (accounts * regions) as u64;
        for (operation, per_region) in region_calls() {
            let made = inventory.api_calls.get(operation).copied().unwrap_or(0);
            if made != per_region as u64 * account_regions {
                eprintln!(
                    "{operation}: {made} calls, the model counts {}",
                    per_region as u64 * account_regions
                );
            }
        }
        println!(
            "wall/floor={:.2} peak_mib={:.0} calls/needed={:.3} throttled_errors={throttled_errors}",
            wall / floor_seconds,
            peak_mib(),
            calls as f64 / needed as f64
        );
    }
}
