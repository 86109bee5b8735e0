//! A tracing layer that keeps log records (level, target, message, fields) in a bounded buffer
//! until the worker drains them and forwards them to its logger.
use parking_lot::Mutex;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use tracing::field::{Field, Visit};
use tracing_subscriber::Layer;

/// One forwarded log record.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub level: tracing::Level,
    pub target: String,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: f64,
}

/// The buffer shared by the layer and whoever drains it.
#[derive(Debug, Clone)]
pub struct LogBuffer {
    records: Arc<Mutex<VecDeque<LogRecord>>>,
    capacity: usize,
    max_level: tracing::Level,
}

impl LogBuffer {
    pub fn new(capacity: usize, max_level: tracing::Level) -> Self {
        LogBuffer {
            records: Arc::new(Mutex::new(VecDeque::new())),
            capacity,
            max_level,
        }
    }

    /// Takes every buffered record, oldest first.
    pub fn drain(&self) -> Vec<LogRecord> {
        self.records.lock().drain(..).collect()
    }

    fn push(&self, r: LogRecord) {
        let mut q = self.records.lock();
        if q.len() >= self.capacity {
            q.pop_front();
        }
        q.push_back(r);
    }
}

#[derive(Default)]
struct Collect {
    message: String,
    fields: BTreeMap<String, String>,
}

impl Visit for Collect {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.fields.insert(field.name().to_string(), format!("{value:?}"));
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.fields.insert(field.name().to_string(), value.to_string());
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for LogBuffer {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > self.max_level {
            return;
        }
        let mut c = Collect::default();
        event.record(&mut c);
        let timestamp_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0);
        self.push(LogRecord {
            level: *meta.level(),
            target: meta.target().to_string(),
            message: c.message,
            fields: c.fields,
            timestamp_ms,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn records_level_message_and_fields_and_respects_the_level() {
        let buf = LogBuffer::new(10, tracing::Level::INFO);
        let subscriber = tracing_subscriber::registry().with(buf.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(run_id = "r1", attempt = 2, "workflow task failed");
            tracing::debug!("too verbose");
        });
        let logs = buf.drain();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].level, tracing::Level::WARN);
        assert_eq!(logs[0].message, "workflow task failed");
        assert_eq!(logs[0].fields.get("run_id").map(String::as_str), Some("r1"));
        assert_eq!(logs[0].fields.get("attempt").map(String::as_str), Some("2"));
        assert!(buf.drain().is_empty());
    }
}
