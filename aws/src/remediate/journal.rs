//! `plan.json.journal`: one JSON line per event, appended and fsync'd before and after each
//! action's calls. It speeds a resume (a copy finds the snapshot its creating action made) and
//! documents the run; correctness never rests on it, since the executor reads the truth from
//! AWS (the action-id tag) before it creates anything.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// RFC 3339, UTC.
    pub time: String,
    /// The plan's `created_at` (seconds since the epoch): lines of another plan written to
    /// the same path are ignored.
    pub plan_created_at: i64,
    /// The action's id in the plan.
    pub action_id: String,
    /// `started`, `shared` (the temporary archive share was added), `pre_step_started` (a
    /// `[[consistency]]` pre-step is about to be sent), `post_step_succeeded`,
    /// `post_step_failed`, `succeeded`, `already_done`, `failed`, `skipped`, `manual_review`,
    /// `would_succeed`, `would_fail`, `not_checked`.
    pub status: String,
    /// Ids of what the action created or changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// For snapshots: source volume id -> new snapshot id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub by_volume: BTreeMap<String, String>,
    /// Why the action failed or would fail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The journal of one plan file.
pub(crate) struct Journal {
    path: PathBuf,
    file: Mutex<File>,
    /// Lines of this plan written by earlier runs.
    pub earlier: Vec<Entry>,
}

/// Where the journal of plan file `plan` goes: the plan's path with `.journal` appended.
pub fn path_for(plan: &Path) -> PathBuf {
    let mut name = plan.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// The current time, RFC 3339 UTC, whole seconds.
pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Journal {
    /// Opens (creating) the journal and reads what earlier runs of the same plan wrote. A torn
    /// last line (the process was killed while writing it) is ignored.
    pub fn open(path: &Path, plan_created_at: i64) -> Result<Journal, String> {
        let earlier = match std::fs::read_to_string(path) {
            Ok(text) => text
                .lines()
                .filter_map(|l| serde_json::from_str::<Entry>(l).ok())
                .filter(|e| e.plan_created_at == plan_created_at)
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: cannot read the journal: {e}", path.display())),
        };
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: cannot open the journal: {e}", path.display()))?;
        // A torn line from a killed run must not glue onto the next one.
        if std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) > 0 {
            let text = std::fs::read(path).unwrap_or_default();
            if text.last() != Some(&b'\n') {
                let _ = file.write_all(b"\n");
            }
        }
        Ok(Journal {
            path: path.to_owned(),
            file: Mutex::new(file),
            earlier,
        })
    }

    /// Appends one line and forces it to disk.
    pub fn append(&self, entry: &Entry) -> Result<(), String> {
        let mut line = serde_json::to_string(entry).expect("a journal entry serializes");
        line.push('\n');
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(line.as_bytes())
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("{}: cannot write the journal: {e}", self.path.display()))
    }

    /// The last successful entry of an earlier run for `action_id`.
    pub fn earlier_success(&self, action_id: &str) -> Option<&Entry> {
        self.earlier.iter().rev().find(|e| {
            e.action_id == action_id && (e.status == "succeeded" || e.status == "already_done")
        })
    }

    /// Whether an earlier run sent a `[[consistency]]` pre-step of `action_id` that no
    /// successful post-step followed: the instance may still be quiesced.
    pub fn earlier_pre_step_pending(&self, action_id: &str) -> bool {
        self.earlier
            .iter()
            .rev()
            .filter(|e| e.action_id == action_id)
            .find(|e| {
                matches!(
                    e.status.as_str(),
                    "pre_step_started" | "post_step_succeeded" | "post_step_failed"
                )
            })
            .is_some_and(|e| e.status != "post_step_succeeded")
    }

    /// Whether an earlier run added the temporary archive share of `action_id` and did not
    /// record the action's end.
    pub fn earlier_share(&self, action_id: &str) -> bool {
        self.earlier
            .iter()
            .rev()
            .filter(|e| e.action_id == action_id)
            .find(|e| e.status != "started")
            .is_some_and(|e| e.status == "shared")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pre_step_is_pending_until_a_post_step_succeeds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json.journal");
        let j = Journal::open(&path, 1).unwrap();
        let log = |status: &str| {
            j.append(&Entry {
                time: now(),
                plan_created_at: 1,
                action_id: "act-q".into(),
                status: status.into(),
                resources: Vec::new(),
                by_volume: BTreeMap::new(),
                error: None,
            })
            .unwrap()
        };
        let pending = || {
            Journal::open(&path, 1)
                .unwrap()
                .earlier_pre_step_pending("act-q")
        };
        log("started");
        assert!(!pending());
        log("pre_step_started");
        log("failed");
        assert!(
            pending(),
            "a run killed or failed after the pre-step leaves it pending"
        );
        log("post_step_failed");
        assert!(pending());
        log("post_step_succeeded");
        log("already_done");
        assert!(!pending());
        log("pre_step_started");
        assert!(pending());
    }

    #[test]
    fn reads_its_own_plan_and_survives_a_torn_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plan.json.journal");
        let entry = |id: &str, status: &str, plan: i64| Entry {
            time: now(),
            plan_created_at: plan,
            action_id: id.into(),
            status: status.into(),
            resources: vec!["snap-1".into()],
            by_volume: BTreeMap::new(),
            error: None,
        };
        let j = Journal::open(&path, 7).unwrap();
        j.append(&entry("act-a", "succeeded", 7)).unwrap();
        j.append(&entry("act-b", "shared", 7)).unwrap();
        j.append(&entry("act-c", "succeeded", 8)).unwrap();
        drop(j);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"time\":\"torn")
            .unwrap();
        let j = Journal::open(&path, 7).unwrap();
        assert!(j.earlier_success("act-a").is_some());
        assert!(j.earlier_success("act-c").is_none());
        assert!(j.earlier_share("act-b"));
        assert!(!j.earlier_pre_step_pending("act-a"));
        j.append(&entry("act-d", "succeeded", 7)).unwrap();
        let j = Journal::open(&path, 7).unwrap();
        assert!(j.earlier_success("act-d").is_some());
    }
}
