//! An organization in the emulator, built through the SDK as a person would build it in AWS.

use aws_credential_types::Credentials;

use crate::moto::{in_account, management, sdk};

/// The management account: moto's default account.
pub const MANAGEMENT: &str = "123456789012";
/// An account outside the organization, that [`build_org`] shares a snapshot with.
pub const OUTSIDER: &str = "999988887777";
/// The regions the live tests populate.
pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// What `build_org` made, to assert against.
#[derive(Debug, Default, Clone)]
pub struct Built {
    /// The member accounts' ids, in creation order.
    pub members: Vec<String>,
    /// The OU ids: Prod, Prod/Critical, Sandbox.
    pub units: Vec<String>,
    /// The id of the SCP attached to Prod.
    pub scp_id: String,
    /// (account, region, snapshot id) of each public snapshot.
    pub public_snapshots: Vec<(String, String, String)>,
    /// (account, region, snapshot id) of each snapshot shared with [`OUTSIDER`].
    pub shared_snapshots: Vec<(String, String, String)>,
    /// (account, region, image id) of each public image.
    pub public_images: Vec<(String, String, String)>,
    /// How many volumes were created, across accounts and regions.
    pub volumes: usize,
    /// How many snapshots were created (images' own included).
    pub snapshots: usize,
    /// How many images were registered.
    pub images: usize,
    /// How many instances were run.
    pub instances: usize,
}

/// Launches one t3.micro instance in `az` and returns its id.
pub async fn run_instance(ec2: &aws_sdk_ec2::Client, az: &str) -> String {
    ec2.run_instances()
        .image_id("ami-12345678")
        .min_count(1)
        .max_count(1)
        .instance_type(aws_sdk_ec2::types::InstanceType::T3Micro)
        .placement(
            aws_sdk_ec2::types::Placement::builder()
                .availability_zone(az)
                .build(),
        )
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned()
}

/// An 8 GiB volume in `az` with `tags`; its id.
pub async fn new_volume(ec2: &aws_sdk_ec2::Client, az: &str, tags: &[(&str, &str)]) -> String {
    let mut spec = aws_sdk_ec2::types::TagSpecification::builder()
        .resource_type(aws_sdk_ec2::types::ResourceType::Volume);
    for (k, v) in tags {
        spec = spec.tags(tag(k, v));
    }
    ec2.create_volume()
        .availability_zone(az)
        .size(8)
        .tag_specifications(spec.build())
        .send()
        .await
        .unwrap()
        .volume_id()
        .unwrap()
        .to_owned()
}

/// The EC2 tag `k` = `v`.
pub fn tag(k: &str, v: &str) -> aws_sdk_ec2::types::Tag {
    aws_sdk_ec2::types::Tag::builder().key(k).value(v).build()
}

/// An organization: the management account and `members` accounts, OUs Prod (with
/// Prod/Critical) and Sandbox, an SCP on Prod, IAM principals that can delete snapshots, and
/// in each account and region of `regions` volumes, an instance, snapshots and an image, some
/// of them shared publicly or with an account outside the organization. With `light`, no IAM
/// principals, and per account-region only a volume and its snapshots.
pub async fn build_org(url: &str, members: usize, regions: &[&str], light: bool) -> Built {
    let base = management(url).await;
    let org = aws_sdk_organizations::Client::new(&base);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization");
    let root = org.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let mut built = Built::default();
    let mk_ou = |parent: String, name: &'static str| {
        let org = org.clone();
        async move {
            org.create_organizational_unit()
                .parent_id(parent)
                .name(name)
                .send()
                .await
                .unwrap()
                .organizational_unit()
                .unwrap()
                .id()
                .unwrap()
                .to_owned()
        }
    };
    let prod = mk_ou(root.clone(), "Prod").await;
    let critical = mk_ou(prod.clone(), "Critical").await;
    let sandbox = mk_ou(root.clone(), "Sandbox").await;
    built.units = vec![prod.clone(), critical.clone(), sandbox.clone()];
    for i in 0..members {
        let out = org
            .create_account()
            .account_name(format!("member-{i}"))
            .email(format!("member-{i}@example.com"))
            .send()
            .await
            .unwrap();
        let id = out
            .create_account_status()
            .unwrap()
            .account_id()
            .unwrap()
            .to_owned();
        let dest = [&prod, &critical, &sandbox][i % 3];
        org.move_account()
            .account_id(&id)
            .source_parent_id(&root)
            .destination_parent_id(dest)
            .send()
            .await
            .unwrap();
        built.members.push(id);
    }
    let scp = org
        .create_policy()
        .name("DenyBackupDeletion")
        .description("protect backups")
        .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .content(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["ec2:DeleteSnapshot","ec2:DeregisterImage"],"Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    built.scp_id = scp
        .policy()
        .unwrap()
        .policy_summary()
        .unwrap()
        .id()
        .unwrap()
        .to_owned();
    org.attach_policy()
        .policy_id(&built.scp_id)
        .target_id(&prod)
        .send()
        .await
        .unwrap();

    let mut accounts = vec![MANAGEMENT.to_owned()];
    accounts.extend(built.members.iter().cloned());
    for account in &accounts {
        let conf = if account == MANAGEMENT {
            management(url).await
        } else {
            in_account(url, account, "us-east-1").await
        };
        if !light {
            let iam = aws_sdk_iam::Client::new(&conf);
            iam.create_role()
                .role_name("BackupOperator")
                .assume_role_policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
                )
                .send()
                .await
                .unwrap();
            iam.put_role_policy()
                .role_name("BackupOperator")
                .policy_name("snapshots")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DeleteSnapshot","ec2:ModifySnapshotAttribute"],"Resource":"*"}]}"#,
                )
                .send()
                .await
                .unwrap();
            iam.create_user().user_name("alice").send().await.unwrap();
            let policy = iam
                .create_policy()
                .policy_name("ReadOnlyEc2")
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#,
                )
                .send()
                .await
                .unwrap();
            iam.attach_user_policy()
                .user_name("alice")
                .policy_arn(policy.policy().unwrap().arn().unwrap())
                .send()
                .await
                .unwrap();
        }
        for region in regions {
            let conf = if account == MANAGEMENT {
                sdk(
                    url,
                    Credentials::new("testing", "testing", None, None, "t"),
                    region,
                )
                .await
            } else {
                in_account(url, account, region).await
            };
            let ec2 = aws_sdk_ec2::Client::new(&conf);
            let az = format!("{region}a");
            let vol = new_volume(&ec2, &az, &[("Name", "data")]).await;
            built.volumes += 1;
            let mut snaps = Vec::new();
            for n in 0..2 {
                let s = ec2
                    .create_snapshot()
                    .volume_id(&vol)
                    .description(format!("backup {n}"))
                    .send()
                    .await
                    .unwrap()
                    .snapshot_id()
                    .unwrap()
                    .to_owned();
                snaps.push(s);
                built.snapshots += 1;
            }
            if light {
                continue;
            }
            // One public snapshot, one shared with an account outside the organization.
            ec2.modify_snapshot_attribute()
                .snapshot_id(&snaps[0])
                .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                .operation_type(aws_sdk_ec2::types::OperationType::Add)
                .group_names("all")
                .send()
                .await
                .unwrap();
            built
                .public_snapshots
                .push((account.clone(), region.to_string(), snaps[0].clone()));
            ec2.modify_snapshot_attribute()
                .snapshot_id(&snaps[1])
                .attribute(aws_sdk_ec2::types::SnapshotAttributeName::CreateVolumePermission)
                .operation_type(aws_sdk_ec2::types::OperationType::Add)
                .user_ids(OUTSIDER)
                .send()
                .await
                .unwrap();
            built
                .shared_snapshots
                .push((account.clone(), region.to_string(), snaps[1].clone()));
            let instance = run_instance(&ec2, &az).await;
            built.instances += 1;
            let image = ec2
                .create_image()
                .instance_id(&instance)
                .name(format!("golden-{account}-{region}"))
                .send()
                .await
                .unwrap()
                .image_id()
                .unwrap()
                .to_owned();
            built.images += 1;
            // moto's create_image also snapshots the root volume.
            built.snapshots += 1;
            if account != MANAGEMENT {
                ec2.modify_image_attribute()
                    .image_id(&image)
                    .launch_permission(
                        aws_sdk_ec2::types::LaunchPermissionModifications::builder()
                            .add(
                                aws_sdk_ec2::types::LaunchPermission::builder()
                                    .group(aws_sdk_ec2::types::PermissionGroup::All)
                                    .build(),
                            )
                            .build(),
                    )
                    .send()
                    .await
                    .unwrap();
                built
                    .public_images
                    .push((account.clone(), region.to_string(), image));
            }
        }
    }
    built
}
