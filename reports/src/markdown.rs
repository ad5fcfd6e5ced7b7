//! `--format markdown`: Markdown. (Being written: see issue 6.)

use crate::Report;

pub fn render(_report: &Report) -> String {
    unimplemented!("the markdown report is being written")
}
