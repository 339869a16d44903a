//! File formats in and out of Tuijin. Today: the plan file (TOML), read with every problem
//! located at file:line:column, and written back in one canonical, diff-friendly layout.

pub mod brief;
pub mod planfile;
pub mod schemefile;
pub mod table_csv;
pub mod xlsx;

pub use planfile::{Located, PlanFileErrors, read_plan, write_plan};
pub use schemefile::{SchemeFileErrors, read_scheme};
