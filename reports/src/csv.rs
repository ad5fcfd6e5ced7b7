//! `--format csv`: one row per finding, then one row per place that was not scanned, told
//! apart by the first column (`finding` or `not_scanned`), so a spreadsheet of the findings
//! still shows that the scan was incomplete. The last column, `controls`, names the compliance
//! controls the finding's rule checks, space-separated (`fsbp/EC2.1 nist-800-53-r5/AC-3`).

use crate::Report;

const HEADER: [&str; 14] = [
    "record",
    "rule_id",
    "rule_name",
    "severity",
    "account_id",
    "region",
    "resource_type",
    "resource_id",
    "resource_arn",
    "message",
    "waived",
    "waiver_reason",
    "fingerprint",
    "controls",
];

/// The report as CSV with a header row: one `finding` row per finding, then
/// one `not_scanned` row per place that could not be read.
pub fn render(report: &Report) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, row: [&str; 14]| {
        out.write_record(row)
            .expect("writing CSV to memory cannot fail");
    };
    write(&mut out, HEADER);
    for f in &report.findings {
        let waived = if f.is_waived() { "true" } else { "false" };
        let reason = f.waiver.as_ref().map_or("", |w| w.reason.as_str());
        let controls: Vec<String> = rules::compliance::controls_of(&f.rule_id)
            .map(|c| c.tag())
            .collect();
        write(
            &mut out,
            [
                "finding",
                &f.rule_id,
                &f.rule_name,
                f.severity.as_str(),
                &f.account_id,
                &f.region,
                &f.resource_type,
                &f.resource_id,
                &f.resource_arn,
                &f.message,
                waived,
                reason,
                &f.fingerprint,
                &controls.join(" "),
            ],
        );
    }
    for gap in &report.not_scanned {
        let region = gap.region.as_deref().unwrap_or("");
        write(
            &mut out,
            [
                "not_scanned",
                "",
                "",
                "",
                &gap.account_id,
                region,
                &gap.operation,
                "",
                "",
                &gap.error,
                "",
                "",
                "",
                "",
            ],
        );
    }
    String::from_utf8(
        out.into_inner()
            .expect("flushing CSV to memory cannot fail"),
    )
    .expect("CSV of UTF-8 fields is UTF-8")
}
