//! In-memory metrics (counters, gauges, histograms with labels) under the official SDK's metric
//! names; the worker reads a snapshot and exports it however it likes.
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// Default histogram bucket bounds in milliseconds.
pub const LATENCY_BUCKETS_MS: &[f64] = &[1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0, 60000.0];

type Labels = Vec<(String, String)>;

/// One metric series in a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    pub name: String,
    pub kind: MetricKind,
    pub labels: Labels,
    /// Counter total, gauge value, or histogram sum.
    pub value: f64,
    /// Histogram: number of observations.
    pub count: u64,
    /// Histogram: (upper bound, cumulative count) per bucket.
    pub buckets: Vec<(f64, u64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

#[derive(Debug, Clone)]
enum Value {
    Counter(u64),
    Gauge(f64),
    Histogram { sum: f64, count: u64, buckets: Vec<u64> },
}

/// Reads a gauge's current value when a snapshot is taken; `None` once what it reads is gone (the
/// series is then dropped).
pub type GaugeReader = Box<dyn Fn() -> Option<f64> + Send + Sync>;

/// A registry of metric series. `prefix` is prepended to every name in snapshots.
pub struct Metrics {
    prefix: String,
    global_labels: Labels,
    series: Mutex<BTreeMap<(String, Labels), Value>>,
    observed: Mutex<Vec<(String, Labels, GaugeReader)>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("prefix", &self.prefix)
            .field("series", &self.series.lock().len())
            .field("observed", &self.observed.lock().len())
            .finish()
    }
}

/// Milliseconds from `from` to `to`, when both are set and in order.
pub fn millis_between(from: Option<&prost_types::Timestamp>, to: Option<&prost_types::Timestamp>) -> Option<f64> {
    let (from, to) = (
        std::time::SystemTime::try_from(*from?).ok()?,
        std::time::SystemTime::try_from(*to?).ok()?,
    );
    to.duration_since(from).ok().map(|d| d.as_secs_f64() * 1000.0)
}

/// Milliseconds from `from` until now.
pub fn millis_since(from: Option<&prost_types::Timestamp>) -> Option<f64> {
    millis_between(from, Some(&prost_types::Timestamp::from(std::time::SystemTime::now())))
}

/// Keeps a gauge raised by one while alive (for example the number of polls in flight).
pub struct GaugeGuard {
    metrics: std::sync::Arc<Metrics>,
    name: &'static str,
    labels: Vec<(&'static str, String)>,
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.metrics.adjust_gauge(self.name, &self.labels, -1.0);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new("temporal_", vec![])
    }
}

fn labels(extra: &[(&str, String)]) -> Labels {
    let mut l: Labels = extra.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    l.sort();
    l
}

impl Metrics {
    pub fn new(prefix: &str, global_labels: Labels) -> Self {
        Metrics {
            prefix: prefix.to_string(),
            global_labels,
            series: Mutex::new(BTreeMap::new()),
            observed: Mutex::new(vec![]),
        }
    }

    /// Adds `delta` to a gauge (starting from 0).
    pub fn adjust_gauge(&self, name: &str, l: &[(&str, String)], delta: f64) {
        let mut s = self.series.lock();
        let e = s.entry((name.to_string(), labels(l))).or_insert(Value::Gauge(0.0));
        if let Value::Gauge(g) = e {
            *g += delta;
        }
    }

    /// Raises a gauge by one until the returned guard is dropped.
    pub fn gauge_guard(self: &std::sync::Arc<Self>, name: &'static str, l: Vec<(&'static str, String)>) -> GaugeGuard {
        self.adjust_gauge(name, &l, 1.0);
        GaugeGuard {
            metrics: self.clone(),
            name,
            labels: l,
        }
    }

    /// A gauge whose value `read` gives at each snapshot.
    pub fn observe_gauge(&self, name: &str, l: &[(&str, String)], read: GaugeReader) {
        self.observed.lock().push((name.to_string(), labels(l), read));
    }

    pub fn add_counter(&self, name: &str, l: &[(&str, String)], by: u64) {
        let mut s = self.series.lock();
        let e = s.entry((name.to_string(), labels(l))).or_insert(Value::Counter(0));
        if let Value::Counter(c) = e {
            *c += by;
        }
    }

    pub fn set_gauge(&self, name: &str, l: &[(&str, String)], v: f64) {
        self.series
            .lock()
            .insert((name.to_string(), labels(l)), Value::Gauge(v));
    }

    pub fn record_histogram(&self, name: &str, l: &[(&str, String)], v: f64) {
        let mut s = self.series.lock();
        let e = s
            .entry((name.to_string(), labels(l)))
            .or_insert_with(|| Value::Histogram {
                sum: 0.0,
                count: 0,
                buckets: vec![0; LATENCY_BUCKETS_MS.len()],
            });
        if let Value::Histogram { sum, count, buckets } = e {
            *sum += v;
            *count += 1;
            for (i, bound) in LATENCY_BUCKETS_MS.iter().enumerate() {
                if v <= *bound {
                    buckets[i] += 1;
                }
            }
        }
    }

    /// Every series with its current value.
    pub fn snapshot(&self) -> Vec<MetricPoint> {
        let mut observed = vec![];
        self.observed.lock().retain(|(name, l, read)| match read() {
            Some(v) => {
                let mut all = self.global_labels.clone();
                all.extend(l.iter().cloned());
                observed.push(MetricPoint {
                    name: format!("{}{name}", self.prefix),
                    kind: MetricKind::Gauge,
                    labels: all,
                    value: v,
                    count: 0,
                    buckets: vec![],
                });
                true
            }
            None => false,
        });
        let s = self.series.lock();
        let mut points: Vec<MetricPoint> = s
            .iter()
            .map(|((name, l), v)| {
                let mut all = self.global_labels.clone();
                all.extend(l.iter().cloned());
                let name = format!("{}{name}", self.prefix);
                match v {
                    Value::Counter(c) => MetricPoint {
                        name,
                        kind: MetricKind::Counter,
                        labels: all,
                        value: *c as f64,
                        count: 0,
                        buckets: vec![],
                    },
                    Value::Gauge(g) => MetricPoint {
                        name,
                        kind: MetricKind::Gauge,
                        labels: all,
                        value: *g,
                        count: 0,
                        buckets: vec![],
                    },
                    Value::Histogram { sum, count, buckets } => MetricPoint {
                        name,
                        kind: MetricKind::Histogram,
                        labels: all,
                        value: *sum,
                        count: *count,
                        buckets: LATENCY_BUCKETS_MS
                            .iter()
                            .copied()
                            .zip(buckets.iter().copied())
                            .collect(),
                    },
                }
            })
            .collect();
        points.extend(observed);
        points
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_gauges_and_histograms_show_up_in_snapshots() {
        let m = Metrics::default();
        m.add_counter("workflow_completed", &[("namespace", "default".into())], 2);
        m.add_counter("workflow_completed", &[("namespace", "default".into())], 1);
        m.set_gauge("sticky_cache_size", &[], 4.0);
        m.record_histogram("workflow_task_execution_latency", &[], 7.0);
        let snap = m.snapshot();
        let c = snap
            .iter()
            .find(|p| p.name == "temporal_workflow_completed")
            .expect("counter");
        assert_eq!(c.value, 3.0);
        assert_eq!(c.labels, vec![("namespace".to_string(), "default".to_string())]);
        let g = snap
            .iter()
            .find(|p| p.name == "temporal_sticky_cache_size")
            .expect("gauge");
        assert_eq!(g.value, 4.0);
        let h = snap
            .iter()
            .find(|p| p.kind == MetricKind::Histogram)
            .expect("histogram");
        assert_eq!(h.count, 1);
        assert_eq!(h.buckets[1], (5.0, 0));
        assert_eq!(h.buckets[2], (10.0, 1));
    }

    #[test]
    fn guarded_and_observed_gauges_follow_what_they_track() {
        let m = std::sync::Arc::new(Metrics::default());
        let value = |name: &str| m.snapshot().iter().find(|p| p.name == name).map(|p| p.value);
        let a = m.gauge_guard("num_pollers", vec![("poller_type", "activity_task".into())]);
        let b = m.gauge_guard("num_pollers", vec![("poller_type", "activity_task".into())]);
        assert_eq!(value("temporal_num_pollers"), Some(2.0));
        drop(a);
        assert_eq!(value("temporal_num_pollers"), Some(1.0));
        drop(b);
        assert_eq!(value("temporal_num_pollers"), Some(0.0));
        let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(3));
        let weak = std::sync::Arc::downgrade(&slots);
        m.observe_gauge(
            "worker_task_slots_available",
            &[("worker_type", "ActivityWorker".into())],
            Box::new(move || weak.upgrade().map(|s| s.available_permits() as f64)),
        );
        assert_eq!(value("temporal_worker_task_slots_available"), Some(3.0));
        let held = slots.clone().try_acquire_owned().expect("permit");
        assert_eq!(value("temporal_worker_task_slots_available"), Some(2.0));
        drop(held);
        drop(slots);
        assert_eq!(
            value("temporal_worker_task_slots_available"),
            None,
            "dropped with the semaphore"
        );
    }

    #[test]
    fn latency_helpers_measure_between_timestamps() {
        let t = |s: i64, n: i32| prost_types::Timestamp { seconds: s, nanos: n };
        assert_eq!(millis_between(Some(&t(10, 0)), Some(&t(11, 500_000_000))), Some(1500.0));
        assert_eq!(millis_between(Some(&t(11, 0)), Some(&t(10, 0))), None, "out of order");
        assert_eq!(millis_between(None, Some(&t(10, 0))), None);
        assert!(millis_since(Some(&t(0, 0))).is_some_and(|ms| ms > 0.0));
    }
}
