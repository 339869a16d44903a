//! A progress bar for long commands (a plan of a million items takes seconds to generate and to
//! import): one line on standard error naming the step and, where the step counts, how far it
//! is. indicatif draws nothing when standard error is not a terminal, so scripts and tests
//! read the same output as before.

use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Bar(ProgressBar);

impl Bar {
    pub fn new() -> Bar {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        Bar(bar)
    }

    /// Names a step without a count.
    pub fn step(&self, what: &str) {
        self.0.set_style(
            ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"),
        );
        self.0.set_message(what.to_string());
    }

    /// A counted step: `done` of `total`.
    pub fn count(&self, what: &str, done: u64, total: u64) {
        if self.0.length() != Some(total) || self.0.message() != what {
            self.0.set_message(what.to_string());
            self.0.set_length(total);
            self.0.set_style(
                ProgressStyle::with_template(
                    "{spinner} {msg:<10} [{bar:30}] {human_pos}/{human_len} {elapsed}",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
        }
        self.0.set_position(done);
    }

    /// What the store tells of a long write (`Store::with_steps`), shown on this bar.
    pub fn steps(&self) -> tuijin_store::Steps {
        let bar = Bar(self.0.clone());
        Arc::new(
            move |what: &str, done: u64, total: u64| match (what, total) {
                (_, 0) => bar.step(store_step(what)),
                _ => bar.count(store_step(what), done, total),
            },
        )
    }

    pub fn finish(self) {
        self.0.finish_and_clear();
    }
}

/// The words for a step of the store's import.
fn store_step(what: &str) -> &'static str {
    match what {
        "check" => "checking the plan",
        "items" => "items",
        "events" => "recording the history",
        "progress" => "rolling up progress",
        "warnings" => "judging warnings",
        "commit" => "committing",
        _ => "working",
    }
}
