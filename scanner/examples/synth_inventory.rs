//! Writes a synthetic recorded inventory of any size, for benchmarks:
//!
//! ```sh
//! cargo run --release --example synth_inventory -- OUT_DIR --accounts 1000 --regions 4 \
//!     --snapshots 1000000 --images 100000 --volumes 200000 --recovery-points 500000 --plans 4000
//! ```
//!
//! Every account-region also has a Data Lifecycle Manager policy, an AWS Backup vault with its
//! share of the recovery points (of its own volumes) and its share of the backup plans: the
//! first selects the volumes tagged `Owner=team-a` (about 98%) and copies to us-west-2, the
//! others select nothing.
//!
//! Resources are spread evenly over account-regions. About 2% of resources break some rule,
//! so evaluation does real work without drowning in findings. Deterministic: the same
//! arguments write the same files.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rules::recorded::{BackupFile, OrgFile, RegionFile, MANIFEST, ORGANIZATIONS};

const REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
];

struct Sizes {
    accounts: usize,
    regions: usize,
    snapshots: usize,
    images: usize,
    volumes: usize,
    recovery_points: usize,
    plans: usize,
}

/// xorshift64*: deterministic and fast; quality is irrelevant here.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .expect("usage: synth_inventory OUT_DIR [--accounts N] ..."),
    );
    let mut sizes = Sizes {
        accounts: 10,
        regions: 2,
        snapshots: 1000,
        images: 100,
        volumes: 200,
        recovery_points: 0,
        plans: 0,
    };
    while let Some(flag) = args.next() {
        let value: usize = args
            .next()
            .and_then(|v| v.parse().ok())
            .expect("a number after each flag");
        match flag.as_str() {
            "--accounts" => sizes.accounts = value,
            "--regions" => sizes.regions = value.min(REGIONS.len()),
            "--snapshots" => sizes.snapshots = value,
            "--images" => sizes.images = value,
            "--volumes" => sizes.volumes = value,
            "--recovery-points" => sizes.recovery_points = value,
            "--plans" => sizes.plans = value,
            _ => panic!("unknown flag {flag}"),
        }
    }
    if out.exists() {
        fs::remove_dir_all(&out).expect("remove the old output");
    }
    fs::create_dir_all(out.join(ORGANIZATIONS)).expect("create the output");
    write_org(&out, &sizes);
    let places = sizes.accounts * sizes.regions;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for a in 0..sizes.accounts {
        for (r, region) in REGIONS.iter().enumerate().take(sizes.regions) {
            let place = a * sizes.regions + r;
            let share = |total: usize| total / places + usize::from(place < total % places);
            let counts = (
                share(sizes.volumes),
                share(sizes.snapshots),
                share(sizes.images),
            );
            write_region(&out, a, region, counts, &mut rng);
            let dir = out.join(account_id(a)).join(region);
            write_backup(
                &dir,
                &account_id(a),
                region,
                share(sizes.recovery_points),
                share(sizes.plans),
            );
        }
    }
    let manifest = format!(
        "{{\"collected_at\": \"2026-11-25T06:00:00Z\", \"regions\": [{}]}}\n",
        REGIONS[..sizes.regions]
            .iter()
            .map(|r| format!("\"{r}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    fs::write(out.join(MANIFEST), manifest).unwrap();
}

fn account_id(a: usize) -> String {
    format!("{:012}", 100_000_000_000u64 + a as u64)
}

fn write_org(out: &Path, sizes: &Sizes) {
    let mut accounts = String::from("{\"Accounts\": [\n");
    for a in 0..sizes.accounts {
        let id = account_id(a);
        let sep = if a + 1 < sizes.accounts { "," } else { "" };
        let _ = writeln!(
            accounts,
            "  {{\"Id\": \"{id}\", \"Arn\": \"arn:aws:organizations::{}:account/o-synth00001/{id}\", \"Name\": \"account-{a}\", \"Status\": \"ACTIVE\"}}{sep}",
            account_id(0)
        );
    }
    accounts.push_str("]}\n");
    fs::write(
        out.join(ORGANIZATIONS).join(OrgFile::Accounts.file_name()),
        accounts,
    )
    .unwrap();
}

fn hex17(rng: &mut Rng) -> String {
    format!("{:017x}", rng.next() >> 4 | 1 << 63 >> 3)
}

fn write_region(out: &Path, a: usize, region: &str, counts: (usize, usize, usize), rng: &mut Rng) {
    let (n_volumes, n_snapshots, n_images) = counts;
    let account = account_id(a);
    let dir = out.join(&account).join(region);
    fs::create_dir_all(&dir).unwrap();
    let volumes: Vec<String> = (0..n_volumes)
        .map(|_| format!("vol-{}", hex17(rng)))
        .collect();

    let mut text = String::from("{\"Volumes\": [\n");
    for (i, v) in volumes.iter().enumerate() {
        let sep = if i + 1 < volumes.len() { "," } else { "" };
        let owner = if rng.chance(98) {
            ",{\"Key\": \"Owner\", \"Value\": \"team-a\"},{\"Key\": \"Retention\", \"Value\": \"30d\"}"
        } else {
            ""
        };
        let _ = writeln!(text, "  {{\"VolumeId\": \"{v}\", \"Size\": 100, \"VolumeType\": \"gp3\", \"State\": \"in-use\", \"Encrypted\": true, \"AvailabilityZone\": \"{region}a\", \"CreateTime\": \"2025-01-01T00:00:00.000Z\", \"Attachments\": [{{\"InstanceId\": \"i-{:017x}\", \"Device\": \"/dev/xvda\", \"State\": \"attached\"}}], \"Tags\": [{{\"Key\": \"Name\", \"Value\": \"data-{i}\"}}{owner}]}}{sep}", i);
    }
    text.push_str("]}\n");
    fs::write(dir.join(RegionFile::Volumes.file_name()), &text).unwrap();

    text = String::from("{\"Reservations\": [{\"Instances\": [\n");
    for (i, v) in volumes.iter().enumerate() {
        let sep = if i + 1 < volumes.len() { "," } else { "" };
        let _ = writeln!(text, "  {{\"InstanceId\": \"i-{i:017x}\", \"State\": {{\"Name\": \"running\"}}, \"BlockDeviceMappings\": [{{\"DeviceName\": \"/dev/xvda\", \"Ebs\": {{\"VolumeId\": \"{v}\", \"Status\": \"attached\"}}}}], \"Tags\": []}}{sep}");
    }
    text.push_str("]}]}\n");
    fs::write(dir.join(RegionFile::Instances.file_name()), &text).unwrap();

    let mut snapshots = String::from("{\"Snapshots\": [\n");
    let mut attributes = String::from("[\n");
    let mut snapshot_ids = Vec::with_capacity(n_snapshots);
    for i in 0..n_snapshots {
        let id = format!("snap-{}", hex17(rng));
        let volume = if volumes.is_empty() || rng.chance(5) {
            format!("vol-{}", hex17(rng))
        } else {
            volumes[i % volumes.len()].clone()
        };
        // Every volume's first snapshot is from the last day; older ones go back a week.
        let day = if i < volumes.len() { 25 } else { 25 - (i % 7) };
        let encrypted = if rng.chance(99) { "true" } else { "false" };
        let sep = if i + 1 < n_snapshots { "," } else { "" };
        let retention = if rng.chance(98) { "30d" } else { "forever" };
        let _ = writeln!(snapshots, "  {{\"Description\": \"Created for policy: policy-0123456789abcdef0 schedule: Daily\", \"Encrypted\": {encrypted}, \"OwnerId\": \"{account}\", \"Progress\": \"100%\", \"SnapshotId\": \"{id}\", \"StartTime\": \"2026-11-{day:02}T02:00:00.000Z\", \"State\": \"completed\", \"VolumeId\": \"{volume}\", \"VolumeSize\": 100, \"StorageTier\": \"standard\", \"Tags\": [{{\"Key\": \"Name\", \"Value\": \"backup-{i}\"}}, {{\"Key\": \"Owner\", \"Value\": \"team-a\"}}, {{\"Key\": \"Retention\", \"Value\": \"{retention}\"}}]}}{sep}");
        let grant = if rng.chance(1) {
            "{\"UserId\": \"444455556666\"}"
        } else {
            ""
        };
        let _ = writeln!(
            attributes,
            "  {{\"CreateVolumePermissions\": [{grant}], \"SnapshotId\": \"{id}\"}}{sep}"
        );
        snapshot_ids.push(id);
    }
    snapshots.push_str("]}\n");
    attributes.push_str("]\n");
    fs::write(dir.join(RegionFile::Snapshots.file_name()), &snapshots).unwrap();
    fs::write(
        dir.join(RegionFile::SnapshotAttributes.file_name()),
        &attributes,
    )
    .unwrap();

    let mut images = String::from("{\"Images\": [\n");
    attributes = String::from("[\n");
    for i in 0..n_images {
        let id = format!("ami-{}", hex17(rng));
        let backing = snapshot_ids
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("snap-{}", hex17(rng)));
        let sep = if i + 1 < n_images { "," } else { "" };
        let _ = writeln!(images, "  {{\"ImageId\": \"{id}\", \"Name\": \"app-{i}\", \"OwnerId\": \"{account}\", \"State\": \"available\", \"CreationDate\": \"2026-10-01T00:00:00.000Z\", \"Public\": false, \"BlockDeviceMappings\": [{{\"DeviceName\": \"/dev/xvda\", \"Ebs\": {{\"SnapshotId\": \"{backing}\", \"VolumeSize\": 8, \"Encrypted\": true}}}}], \"Tags\": [{{\"Key\": \"Name\", \"Value\": \"app-{i}\"}}, {{\"Key\": \"Owner\", \"Value\": \"team-a\"}}, {{\"Key\": \"Retention\", \"Value\": \"1y\"}}]}}{sep}");
        let grant = if rng.chance(1) {
            "{\"Group\": \"all\"}"
        } else {
            "{\"UserId\": \"100000000000\"}"
        };
        let _ = writeln!(
            attributes,
            "  {{\"ImageId\": \"{id}\", \"LaunchPermissions\": [{grant}]}}{sep}"
        );
    }
    images.push_str("]}\n");
    attributes.push_str("]\n");
    fs::write(dir.join(RegionFile::Images.file_name()), &images).unwrap();
    fs::write(
        dir.join(RegionFile::ImageAttributes.file_name()),
        &attributes,
    )
    .unwrap();

    let rule = |kind: &str| {
        format!("{{\"Rules\": [{{\"Identifier\": \"{kind}0000000\", \"RetentionPeriod\": {{\"RetentionPeriodValue\": 14, \"RetentionPeriodUnit\": \"DAYS\"}}, \"LockState\": \"locked\", \"RuleArn\": \"arn:aws:rbin:{region}:{account}:rule/{kind}0000000\"}}]}}\n")
    };
    fs::write(
        dir.join(RegionFile::SnapshotRules.file_name()),
        rule("snap"),
    )
    .unwrap();
    fs::write(dir.join(RegionFile::ImageRules.file_name()), rule("imag")).unwrap();
    let details = "{\"Identifier\": \"snap0000000\", \"ResourceType\": \"EBS_SNAPSHOT\", \"Status\": \"available\", \"ResourceTags\": [], \"LockState\": \"locked\"}\n{\"Identifier\": \"imag0000000\", \"ResourceType\": \"EC2_IMAGE\", \"Status\": \"available\", \"ResourceTags\": [], \"LockState\": \"locked\"}\n";
    fs::write(dir.join(RegionFile::RuleDetails.file_name()), details).unwrap();
    let bpa = if rng.chance(90) {
        "block-all-sharing"
    } else {
        "unblocked"
    };
    fs::write(
        dir.join(RegionFile::SnapshotBlockPublicAccess.file_name()),
        format!("{{\"State\": \"{bpa}\"}}\n"),
    )
    .unwrap();
    fs::write(
        dir.join(RegionFile::ImageBlockPublicAccess.file_name()),
        "{\"ImageBlockPublicAccessState\": \"block-new-sharing\"}\n",
    )
    .unwrap();
}

/// The region's backup layer: one DLM policy, one vault with `n_points` recovery points of the
/// region's volumes (read back from describe-volumes.json), `n_plans` plans.
fn write_backup(dir: &Path, account: &str, region: &str, n_points: usize, n_plans: usize) {
    let volumes_text = fs::read_to_string(dir.join(RegionFile::Volumes.file_name())).unwrap();
    let volumes: Vec<&str> = volumes_text
        .split("\"VolumeId\": \"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let write =
        |file: BackupFile, text: String| fs::write(dir.join(file.file_name()), text).unwrap();
    write(
        BackupFile::LifecyclePolicies,
        "{\"Policies\": [{\"PolicyId\": \"policy-0123456789abcdef0\", \"State\": \"ENABLED\", \"PolicyType\": \"EBS_SNAPSHOT_MANAGEMENT\"}]}\n".into(),
    );
    write(
        BackupFile::LifecyclePolicyDetails,
        "{\"Policy\": {\"PolicyId\": \"policy-0123456789abcdef0\", \"PolicyDetails\": {\"PolicyType\": \"EBS_SNAPSHOT_MANAGEMENT\", \"ResourceTypes\": [\"VOLUME\"], \"TargetTags\": [{\"Key\": \"Backup\", \"Value\": \"daily\"}], \"Schedules\": [{\"Name\": \"Daily\", \"CreateRule\": {\"Interval\": 24, \"IntervalUnit\": \"HOURS\"}, \"RetainRule\": {\"Interval\": 14, \"IntervalUnit\": \"DAYS\"}}]}}}\n".into(),
    );
    write(
        BackupFile::EbsEncryptionByDefault,
        "{\"EbsEncryptionByDefault\": true}\n".into(),
    );
    write(
        BackupFile::EbsDefaultKmsKeyId,
        "{\"KmsKeyId\": \"alias/aws/ebs\"}\n".into(),
    );
    write(BackupFile::LockedSnapshots, "{\"Snapshots\": []}\n".into());
    let vault = format!("arn:aws:backup:{region}:{account}:backup-vault:bench");
    write(
        BackupFile::BackupVaults,
        format!("{{\"BackupVaultList\": [{{\"BackupVaultName\": \"bench\", \"BackupVaultArn\": \"{vault}\"}}]}}\n"),
    );
    write(
        BackupFile::VaultAccessPolicies,
        "{\"BackupVaultName\": \"bench\"}\n".into(),
    );
    let mut points = String::from("{\"RecoveryPoints\": [\n");
    for i in 0..n_points {
        let sep = if i + 1 < n_points { "," } else { "" };
        let volume = volumes
            .get(i % volumes.len().max(1))
            .copied()
            .unwrap_or("vol-0");
        let _ = writeln!(points, "  {{\"RecoveryPointArn\": \"arn:aws:ec2:{region}::snapshot/snap-{i:017x}\", \"BackupVaultName\": \"bench\", \"ResourceArn\": \"arn:aws:ec2:{region}:{account}:volume/{volume}\", \"ResourceType\": \"EBS\", \"Status\": \"COMPLETED\", \"CreationDate\": \"2026-11-24T02:30:00.000Z\"}}{sep}");
    }
    points.push_str("]}\n");
    write(BackupFile::RecoveryPoints, points);
    let (mut list, mut plans, mut selections, mut details) = (
        String::from("{\"BackupPlansList\": [\n"),
        String::new(),
        String::new(),
        String::new(),
    );
    for p in 0..n_plans {
        let sep = if p + 1 < n_plans { "," } else { "" };
        let id = format!("{p:08x}-0000-4000-8000-000000000000");
        let _ = writeln!(
            list,
            "  {{\"BackupPlanId\": \"{id}\", \"BackupPlanName\": \"plan-{p}\"}}{sep}"
        );
        let _ = writeln!(plans, "{{\"BackupPlanId\": \"{id}\", \"BackupPlan\": {{\"BackupPlanName\": \"plan-{p}\", \"Rules\": [{{\"RuleName\": \"daily\", \"TargetBackupVaultName\": \"bench\", \"ScheduleExpression\": \"cron(30 2 ? * * *)\", \"Lifecycle\": {{\"DeleteAfterDays\": 35}}, \"CopyActions\": [{{\"DestinationBackupVaultArn\": \"arn:aws:backup:us-west-2:{account}:backup-vault:bench\"}}]}}]}}}}");
        let _ = writeln!(selections, "{{\"BackupSelectionsList\": [{{\"SelectionId\": \"s-{id}\", \"BackupPlanId\": \"{id}\"}}]}}");
        let selection = match p {
            0 => "\"ListOfTags\": [{\"ConditionType\": \"STRINGEQUALS\", \"ConditionKey\": \"Owner\", \"ConditionValue\": \"team-a\"}]".to_owned(),
            _ => format!("\"Resources\": [\"arn:aws:ec2:*:*:volume/vol-none-{p}\"]"),
        };
        let _ = writeln!(details, "{{\"SelectionId\": \"s-{id}\", \"BackupPlanId\": \"{id}\", \"BackupSelection\": {{\"SelectionName\": \"s{p}\", {selection}}}}}");
    }
    list.push_str("]}\n");
    write(BackupFile::BackupPlans, list);
    if n_plans > 0 {
        write(BackupFile::BackupPlanDetails, plans);
        write(BackupFile::BackupSelections, selections);
        write(BackupFile::BackupSelectionDetails, details);
    }
}
