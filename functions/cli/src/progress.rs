//! A progress bar on stderr, driven by events; only on a terminal.

use doctown_core::events::ingest::{FileDetected, IngestStarted};
use doctown_core::Event;
use doctown_pipeline::EventSink;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};

pub struct ProgressSink {
    bar: ProgressBar,
    files: AtomicU64,
    chunks: AtomicU64,
}

impl ProgressSink {
    pub fn new() -> Self {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:>8} {msg} [{elapsed}]")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        ProgressSink {
            bar,
            files: AtomicU64::new(0),
            chunks: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl EventSink for ProgressSink {
    fn accept(&self, event: &Event) {
        let stage = event.event_type.split('.').next().unwrap_or("");
        self.bar.set_prefix(stage.to_string());
        if event.payload_as::<IngestStarted>().is_some() {
            self.bar.set_message("fetching source");
        } else if let Some(file) = event.payload_as::<FileDetected>() {
            let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
            self.bar.set_message(format!(
                "{files} files, {} chunks — {}",
                self.chunks.load(Ordering::Relaxed),
                file.path
            ));
        } else if event.event_type == "ingest.chunk_created.v1" {
            self.chunks.fetch_add(1, Ordering::Relaxed);
        } else if event.event_type.ends_with(".started.v1") {
            self.bar.set_message("running");
        }
    }
}
