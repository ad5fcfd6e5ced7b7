//! `--format csv`: one row per finding, then one row per place that was not scanned, told
//! apart by the first column (`finding` or `not_scanned`), so a spreadsheet of the findings
//! still shows that the scan was incomplete.

use crate::Report;

const HEADER: [&str; 13] = [
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
];

/// The report as CSV with a header row: one `finding` row per finding, then
/// one `not_scanned` row per place that could not be read.
pub fn render(report: &Report) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let write = |out: &mut csv::Writer<Vec<u8>>, row: [&str; 13]| {
        out.write_record(row)
            .expect("writing CSV to memory cannot fail");
    };
    write(&mut out, HEADER);
    for f in &report.findings {
        let waived = if f.is_waived() { "true" } else { "false" };
        let reason = f.waiver.as_ref().map_or("", |w| w.reason.as_str());
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
            ],
        );
    }
    String::from_utf8(
        out.into_inner()
            .expect("flushing CSV to memory cannot fail"),
    )
    .expect("CSV of UTF-8 fields is UTF-8")
}
