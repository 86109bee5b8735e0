//! Nexus tasks: polls the Nexus task queue, hands requests to the worker and reports responses.
use super::config::WorkerConfig;
use crate::connection::{Connection, long_poll, request};
use crate::errors::CoreError;
use crate::protos::kairos::core::nexus::{NexusTask, NexusTaskCompletion, nexus_task::Variant, nexus_task_completion::Status};
use crate::protos::temporal::api::enums::v1::TaskQueueKind;
use crate::protos::temporal::api::taskqueue::v1::TaskQueue;
use crate::protos::temporal::api::workflowservice::v1::{PollNexusTaskQueueRequest, RespondNexusTaskCompletedRequest, RespondNexusTaskFailedRequest};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, watch};

enum Polled {
    Task(Box<NexusTask>, OwnedSemaphorePermit),
    Fatal(CoreError),
}

pub(crate) struct NexusTasks {
    cfg: Arc<WorkerConfig>,
    conn: Connection,
    outstanding: Mutex<HashMap<Vec<u8>, OwnedSemaphorePermit>>,
    rx: tokio::sync::Mutex<Option<mpsc::Receiver<Polled>>>,
    tx: Mutex<Option<mpsc::Sender<Polled>>>,
    slots: Arc<Semaphore>,
    pollers_started: AtomicBool,
    changed: Notify,
    shutdown: watch::Receiver<bool>,
}

/// Parses a Request-Timeout header value such as "10s", "1.5s" or "250ms".
pub(crate) fn parse_request_timeout(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Some(ms) = v.strip_suffix("ms") {
        return ms.trim().parse::<f64>().ok().map(|x| Duration::from_secs_f64(x / 1000.0));
    }
    if let Some(s) = v.strip_suffix('s') {
        return s.trim().parse::<f64>().ok().map(Duration::from_secs_f64);
    }
    if let Some(m) = v.strip_suffix('m') {
        return m.trim().parse::<f64>().ok().map(|x| Duration::from_secs_f64(x * 60.0));
    }
    None
}

impl NexusTasks {
    pub(crate) fn new(cfg: Arc<WorkerConfig>, conn: Connection, shutdown: watch::Receiver<bool>) -> Arc<Self> {
        let (tx, rx) = mpsc::channel(4);
        Arc::new(NexusTasks {
            slots: Arc::new(Semaphore::new(cfg.max_concurrent_nexus_tasks)),
            cfg,
            conn,
            outstanding: Mutex::new(HashMap::new()),
            rx: tokio::sync::Mutex::new(Some(rx)),
            tx: Mutex::new(Some(tx)),
            pollers_started: AtomicBool::new(false),
            changed: Notify::new(),
            shutdown,
        })
    }

    fn ensure_pollers(&self) {
        if self.pollers_started.swap(true, Ordering::SeqCst) {
            return;
        }
        let Some(tx) = self.tx.lock().take() else { return };
        for _ in 0..self.cfg.max_nexus_task_polls {
            let (tx, conn, cfg, slots, mut shutdown) = (tx.clone(), self.conn.clone(), self.cfg.clone(), self.slots.clone(), self.shutdown.clone());
            tokio::spawn(async move {
                let mut backoff = Duration::from_millis(200);
                loop {
                    if *shutdown.borrow() {
                        return;
                    }
                    let permit = tokio::select! {
                        _ = shutdown.changed() => return,
                        p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
                    };
                    let req = PollNexusTaskQueueRequest {
                        namespace: cfg.namespace.clone(),
                        identity: cfg.identity.clone(),
                        task_queue: Some(TaskQueue { name: cfg.task_queue.clone(), kind: TaskQueueKind::Normal as i32, normal_name: String::new() }),
                        ..Default::default()
                    };
                    let mut client = conn.client();
                    let r = tokio::select! {
                        _ = shutdown.changed() => return,
                        r = client.poll_nexus_task_queue(long_poll(&cfg.namespace, req)) => r,
                    };
                    match r {
                        Ok(resp) => {
                            let resp = resp.into_inner();
                            if resp.task_token.is_empty() {
                                conn.metrics().add_counter("nexus_poll_no_task", &[("task_queue", cfg.task_queue.clone())], 1);
                                continue;
                            }
                            let deadline = resp
                                .request
                                .as_ref()
                                .and_then(|r| r.header.iter().find(|(k, _)| k.eq_ignore_ascii_case("request-timeout")).map(|(_, v)| v.clone()))
                                .and_then(|v| parse_request_timeout(&v))
                                .map(|d| prost_types::Timestamp::from(std::time::SystemTime::now() + d));
                            let task = NexusTask { variant: Some(Variant::Task(resp)), request_deadline: deadline };
                            if tx.send(Polled::Task(Box::new(task), permit)).await.is_err() {
                                return;
                            }
                        }
                        Err(status) => {
                            if matches!(status.code(), tonic::Code::Unauthenticated | tonic::Code::PermissionDenied | tonic::Code::NotFound | tonic::Code::InvalidArgument | tonic::Code::Unimplemented) {
                                let _ = tx.send(Polled::Fatal(CoreError::transport("PollNexusTaskQueue", status))).await;
                                return;
                            }
                            tokio::select! { _ = shutdown.changed() => return, _ = tokio::time::sleep(backoff) => {} }
                            backoff = (backoff * 2).min(Duration::from_secs(10));
                        }
                    }
                }
            });
        }
    }

    pub(crate) async fn poll(&self) -> Result<NexusTask, CoreError> {
        self.ensure_pollers();
        let mut rx_guard = self.rx.lock().await;
        loop {
            if rx_guard.is_none() {
                if self.outstanding.lock().is_empty() {
                    return Err(CoreError::ShutDown);
                }
                self.changed.notified().await;
                continue;
            }
            let m = match rx_guard.as_mut() {
                Some(rx) => rx.recv().await,
                None => None,
            };
            match m {
                None => *rx_guard = None,
                Some(Polled::Fatal(e)) => return Err(e),
                Some(Polled::Task(task, permit)) => {
                    if let Some(Variant::Task(t)) = &task.variant {
                        self.outstanding.lock().insert(t.task_token.clone(), permit);
                    }
                    return Ok(*task);
                }
            }
        }
    }

    pub(crate) async fn complete(&self, c: NexusTaskCompletion) -> Result<(), CoreError> {
        if self.outstanding.lock().remove(&c.task_token).is_none() {
            return Err(CoreError::UnknownTaskToken(super::activities::hex(&c.task_token)));
        }
        self.changed.notify_one();
        let ns = self.cfg.namespace.clone();
        let identity = self.cfg.identity.clone();
        match c.status {
            Some(Status::Completed(response)) => {
                let req = RespondNexusTaskCompletedRequest { namespace: ns.clone(), identity, task_token: c.task_token, response: Some(response), ..Default::default() };
                self.conn
                    .call("RespondNexusTaskCompleted", Some(&ns), |mut cl| {
                        let (req, ns) = (req.clone(), ns.clone());
                        async move { cl.respond_nexus_task_completed(request(&ns, req)).await }
                    })
                    .await
                    .map(|_| ())
            }
            Some(Status::Error(e)) => self.fail(RespondNexusTaskFailedRequest { namespace: ns.clone(), identity, task_token: c.task_token, error: Some(e), ..Default::default() }).await,
            Some(Status::Failure(f)) => self.fail(RespondNexusTaskFailedRequest { namespace: ns.clone(), identity, task_token: c.task_token, failure: Some(f), ..Default::default() }).await,
            Some(Status::AckCancel(_)) => Ok(()),
            None => Err(CoreError::InvalidInput("nexus completion has no status".into())),
        }
    }

    async fn fail(&self, req: RespondNexusTaskFailedRequest) -> Result<(), CoreError> {
        let ns = self.cfg.namespace.clone();
        self.conn
            .call("RespondNexusTaskFailed", Some(&ns), |mut cl| {
                let (req, ns) = (req.clone(), ns.clone());
                async move { cl.respond_nexus_task_failed(request(&ns, req)).await }
            })
            .await
            .map(|_| ())
    }

    pub(crate) fn bump(&self) {
        self.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_request_timeouts() {
        assert_eq!(parse_request_timeout("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_request_timeout("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_request_timeout("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_request_timeout("soon"), None);
    }
}
