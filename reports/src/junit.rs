//! `--format junit`: JUnit XML. (Being written: see issue 6.)

use crate::Report;

pub fn render(_report: &Report) -> String {
    unimplemented!("the junit report is being written")
}
