//! `--format asff`: AWS Security Hub ASFF. (Being written: see issue 6.)

use crate::Report;

pub fn render(_report: &Report) -> String {
    unimplemented!("the asff report is being written")
}
