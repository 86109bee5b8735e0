//! In-memory metrics (counters, gauges, histograms with labels) under the official SDK's metric
//! names; the worker reads a snapshot and exports it however it likes.
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// Default histogram bucket bounds in milliseconds.
pub const LATENCY_BUCKETS_MS: &[f64] = &[
    1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0, 5000.0, 10000.0, 60000.0,
];

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

/// A registry of metric series. `prefix` is prepended to every name in snapshots.
#[derive(Debug)]
pub struct Metrics {
    prefix: String,
    global_labels: Labels,
    series: Mutex<BTreeMap<(String, Labels), Value>>,
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
        }
    }

    pub fn add_counter(&self, name: &str, l: &[(&str, String)], by: u64) {
        let mut s = self.series.lock();
        let e = s.entry((name.to_string(), labels(l))).or_insert(Value::Counter(0));
        if let Value::Counter(c) = e {
            *c += by;
        }
    }

    pub fn set_gauge(&self, name: &str, l: &[(&str, String)], v: f64) {
        self.series.lock().insert((name.to_string(), labels(l)), Value::Gauge(v));
    }

    pub fn record_histogram(&self, name: &str, l: &[(&str, String)], v: f64) {
        let mut s = self.series.lock();
        let e = s.entry((name.to_string(), labels(l))).or_insert_with(|| Value::Histogram {
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
        let s = self.series.lock();
        s.iter()
            .map(|((name, l), v)| {
                let mut all = self.global_labels.clone();
                all.extend(l.iter().cloned());
                let name = format!("{}{name}", self.prefix);
                match v {
                    Value::Counter(c) => MetricPoint { name, kind: MetricKind::Counter, labels: all, value: *c as f64, count: 0, buckets: vec![] },
                    Value::Gauge(g) => MetricPoint { name, kind: MetricKind::Gauge, labels: all, value: *g, count: 0, buckets: vec![] },
                    Value::Histogram { sum, count, buckets } => MetricPoint {
                        name,
                        kind: MetricKind::Histogram,
                        labels: all,
                        value: *sum,
                        count: *count,
                        buckets: LATENCY_BUCKETS_MS.iter().copied().zip(buckets.iter().copied()).collect(),
                    },
                }
            })
            .collect()
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
        let c = snap.iter().find(|p| p.name == "temporal_workflow_completed").expect("counter");
        assert_eq!(c.value, 3.0);
        assert_eq!(c.labels, vec![("namespace".to_string(), "default".to_string())]);
        let g = snap.iter().find(|p| p.name == "temporal_sticky_cache_size").expect("gauge");
        assert_eq!(g.value, 4.0);
        let h = snap.iter().find(|p| p.kind == MetricKind::Histogram).expect("histogram");
        assert_eq!(h.count, 1);
        assert_eq!(h.buckets[1], (5.0, 0));
        assert_eq!(h.buckets[2], (10.0, 1));
    }
}
