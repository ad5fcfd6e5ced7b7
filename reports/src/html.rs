//! `--format html`: a self-contained HTML page. (Being written: see issue 6.)

use crate::Report;

pub fn render(_report: &Report) -> String {
    unimplemented!("the html report is being written")
}
