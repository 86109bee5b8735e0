//! A connection to the Temporal frontend over tonic: TLS through rustls, API key and metadata
//! headers that can be replaced at any time, and retries with exponential backoff and jitter.
use crate::errors::CoreError;
use crate::protos::temporal::api::workflowservice::v1::{
    GetSystemInfoRequest, get_system_info_response::Capabilities, workflow_service_client::WorkflowServiceClient,
};
use crate::telemetry::metrics::Metrics;
use parking_lot::RwLock;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tonic::metadata::{AsciiMetadataValue, MetadataKey};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity};

/// TLS settings. With no CA certificate the Mozilla root set is trusted.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    pub server_root_ca_cert: Option<Vec<u8>>,
    pub server_name_override: Option<String>,
    pub client_cert: Option<Vec<u8>>,
    pub client_private_key: Option<Vec<u8>>,
}

/// How calls are retried (gRPC codes Unavailable, ResourceExhausted, Aborted, Internal, Unknown,
/// DataLoss, OutOfRange).
#[derive(Debug, Clone)]
pub struct RetryOptions {
    pub initial_interval: Duration,
    pub multiplier: f64,
    pub max_interval: Duration,
    pub max_elapsed: Duration,
    pub max_retries: u32,
    /// ±fraction of jitter applied to each delay.
    pub randomization_factor: f64,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            initial_interval: Duration::from_millis(100),
            multiplier: 1.7,
            max_interval: Duration::from_secs(5),
            max_elapsed: Duration::from_secs(10),
            max_retries: 10,
            randomization_factor: 0.2,
        }
    }
}

/// Options of [`Connection::connect`].
#[derive(Debug, Clone)]
pub struct ConnectionOptions {
    /// `host:port`, or a URL with an `http`/`https` scheme.
    pub address: String,
    pub tls: Option<TlsOptions>,
    pub api_key: Option<String>,
    pub metadata: HashMap<String, String>,
    pub retry: RetryOptions,
    pub client_name: String,
    pub client_version: String,
    /// How long the initial connection attempts may take in total.
    pub connect_timeout: Duration,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            address: "localhost:7233".into(),
            tls: None,
            api_key: None,
            metadata: HashMap::new(),
            retry: RetryOptions::default(),
            client_name: "kairos-typescript".into(),
            client_version: env!("CARGO_PKG_VERSION").into(),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

#[derive(Debug, Default)]
struct Headers {
    metadata: Vec<(MetadataKey<tonic::metadata::Ascii>, AsciiMetadataValue)>,
    api_key: Option<AsciiMetadataValue>,
    client_name: Option<AsciiMetadataValue>,
    client_version: Option<AsciiMetadataValue>,
}

/// Adds the connection's current headers to every call.
#[derive(Clone)]
pub struct HeaderInterceptor {
    headers: Arc<RwLock<Headers>>,
}

impl tonic::service::Interceptor for HeaderInterceptor {
    fn call(&mut self, mut req: tonic::Request<()>) -> Result<tonic::Request<()>, tonic::Status> {
        let h = self.headers.read();
        let md = req.metadata_mut();
        for (k, v) in &h.metadata {
            md.insert(k.clone(), v.clone());
        }
        if let Some(v) = &h.api_key {
            md.insert("authorization", v.clone());
        }
        if let Some(v) = &h.client_name {
            md.insert("client-name", v.clone());
        }
        if let Some(v) = &h.client_version {
            md.insert("client-version", v.clone());
        }
        Ok(req)
    }
}

/// The generated WorkflowService client with our headers.
pub type Client = WorkflowServiceClient<InterceptedService<Channel, HeaderInterceptor>>;

struct Inner {
    client: Client,
    headers: Arc<RwLock<Headers>>,
    retry: RetryOptions,
    capabilities: Capabilities,
    metrics: Arc<Metrics>,
}

/// A shared connection; cloning is cheap.
#[derive(Clone)]
pub struct Connection {
    inner: Arc<Inner>,
}

fn parse_metadata(
    md: &HashMap<String, String>,
) -> Result<Vec<(MetadataKey<tonic::metadata::Ascii>, AsciiMetadataValue)>, CoreError> {
    let mut out = vec![];
    for (k, v) in md {
        let key = MetadataKey::from_bytes(k.to_ascii_lowercase().as_bytes())
            .map_err(|_| CoreError::InvalidInput(format!("metadata key {k:?} is not a valid header name")))?;
        let value = AsciiMetadataValue::try_from(v.as_str())
            .map_err(|_| CoreError::InvalidInput(format!("metadata value for {k:?} is not printable ASCII")))?;
        out.push((key, value));
    }
    Ok(out)
}

fn bearer(api_key: &Option<String>) -> Result<Option<AsciiMetadataValue>, CoreError> {
    api_key
        .as_ref()
        .map(|k| {
            AsciiMetadataValue::try_from(format!("Bearer {k}"))
                .map_err(|_| CoreError::InvalidInput("apiKey is not printable ASCII".into()))
        })
        .transpose()
}

pub(crate) fn is_retryable(code: tonic::Code) -> bool {
    use tonic::Code::*;
    matches!(
        code,
        DataLoss | Internal | Unknown | ResourceExhausted | Aborted | OutOfRange | Unavailable
    )
}

fn jittered(d: Duration, factor: f64) -> Duration {
    let r: f64 = rand::random::<f64>() * 2.0 - 1.0;
    d.mul_f64((1.0 + r * factor).max(0.0))
}

impl Connection {
    /// Connects, retrying with backoff until `connect_timeout`, then reads the server's
    /// capabilities with GetSystemInfo.
    pub async fn connect(options: ConnectionOptions, metrics: Arc<Metrics>) -> Result<Self, CoreError> {
        let has_scheme = options.address.contains("://");
        // An API key implies TLS unless the address asks for plain HTTP explicitly.
        let use_tls = options.tls.is_some() || (options.api_key.is_some() && !options.address.starts_with("http://"));
        let uri = if has_scheme {
            options.address.clone()
        } else if use_tls {
            format!("https://{}", options.address)
        } else {
            format!("http://{}", options.address)
        };
        let connect_err = |message: String| CoreError::Connect {
            address: options.address.clone(),
            message,
        };
        let mut endpoint = Endpoint::from_shared(uri.clone())
            .map_err(|e| connect_err(format!("invalid address: {e}")))?
            .connect_timeout(Duration::from_secs(5))
            .http2_keep_alive_interval(Duration::from_secs(30))
            .keep_alive_timeout(Duration::from_secs(15))
            .keep_alive_while_idle(true);
        if use_tls {
            let tls = options.tls.clone().unwrap_or_default();
            let mut cfg = ClientTlsConfig::new().with_webpki_roots();
            if let Some(ca) = &tls.server_root_ca_cert {
                cfg = cfg.ca_certificate(Certificate::from_pem(ca));
            }
            if let (Some(cert), Some(key)) = (&tls.client_cert, &tls.client_private_key) {
                cfg = cfg.identity(Identity::from_pem(cert, key));
            }
            if let Some(name) = &tls.server_name_override {
                cfg = cfg.domain_name(name.clone());
            }
            endpoint = endpoint
                .tls_config(cfg)
                .map_err(|e| connect_err(format!("invalid TLS configuration: {e}")))?;
        }
        let started = Instant::now();
        let mut delay = options.retry.initial_interval;
        let channel = loop {
            match endpoint.connect().await {
                Ok(c) => break c,
                Err(e) if started.elapsed() < options.connect_timeout => {
                    tracing::debug!(error = %e, "connect attempt failed, retrying");
                    tokio::time::sleep(jittered(delay, options.retry.randomization_factor)).await;
                    delay = delay.mul_f64(options.retry.multiplier).min(options.retry.max_interval);
                }
                Err(e) => {
                    let mut msg = e.to_string();
                    let mut src = std::error::Error::source(&e);
                    while let Some(s) = src {
                        msg.push_str(&format!(": {s}"));
                        src = s.source();
                    }
                    return Err(connect_err(msg));
                }
            }
        };
        let headers = Arc::new(RwLock::new(Headers {
            metadata: parse_metadata(&options.metadata)?,
            api_key: bearer(&options.api_key)?,
            client_name: AsciiMetadataValue::try_from(options.client_name.as_str()).ok(),
            client_version: AsciiMetadataValue::try_from(options.client_version.as_str()).ok(),
        }));
        let client = WorkflowServiceClient::with_interceptor(
            channel,
            HeaderInterceptor {
                headers: headers.clone(),
            },
        )
        .max_decoding_message_size(128 * 1024 * 1024)
        .max_encoding_message_size(128 * 1024 * 1024);
        let mut conn = Connection {
            inner: Arc::new(Inner {
                client,
                headers,
                retry: options.retry.clone(),
                capabilities: Capabilities::default(),
                metrics,
            }),
        };
        let info = conn
            .call("GetSystemInfo", None, |mut c| async move {
                c.get_system_info(GetSystemInfoRequest {}).await
            })
            .await?;
        if let Some(inner) = Arc::get_mut(&mut conn.inner) {
            inner.capabilities = info.capabilities.unwrap_or_default();
        }
        Ok(conn)
    }

    /// A connection that never connected (calls fail); for tests of code that only needs one to
    /// exist.
    #[cfg(test)]
    pub(crate) fn unconnected(metrics: Arc<Metrics>) -> Self {
        let channel = Endpoint::from_static("http://127.0.0.1:1").connect_lazy();
        let headers = Arc::new(RwLock::new(Headers {
            metadata: vec![],
            api_key: None,
            client_name: None,
            client_version: None,
        }));
        Connection {
            inner: Arc::new(Inner {
                client: WorkflowServiceClient::with_interceptor(
                    channel,
                    HeaderInterceptor {
                        headers: headers.clone(),
                    },
                ),
                headers,
                retry: RetryOptions::default(),
                capabilities: Capabilities::default(),
                metrics,
            }),
        }
    }

    /// Server capabilities read at connect time.
    pub fn capabilities(&self) -> &Capabilities {
        &self.inner.capabilities
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// Replaces all custom metadata headers.
    pub fn set_metadata(&self, md: &HashMap<String, String>) -> Result<(), CoreError> {
        let parsed = parse_metadata(md)?;
        self.inner.headers.write().metadata = parsed;
        Ok(())
    }

    /// Replaces (or removes) the API key.
    pub fn set_api_key(&self, api_key: Option<String>) -> Result<(), CoreError> {
        let v = bearer(&api_key)?;
        self.inner.headers.write().api_key = v;
        Ok(())
    }

    pub(crate) fn client(&self) -> Client {
        self.inner.client.clone()
    }

    /// Makes a call, retrying retryable failures per the connection's retry options.
    /// `namespace` goes into the `temporal-namespace` header.
    pub(crate) async fn call<T, F, Fut>(
        &self,
        rpc: &'static str,
        namespace: Option<&str>,
        mut f: F,
    ) -> Result<T, CoreError>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let retry = &self.inner.retry;
        let started = Instant::now();
        let mut delay = retry.initial_interval;
        let mut attempt = 0;
        let labels = [("operation", rpc.to_string())];
        loop {
            let call_start = Instant::now();
            let result = f(self.client()).await;
            let m = &self.inner.metrics;
            m.add_counter("request", &labels, 1);
            m.record_histogram("request_latency", &labels, call_start.elapsed().as_secs_f64() * 1000.0);
            let _ = namespace;
            match result {
                Ok(r) => return Ok(r.into_inner()),
                Err(s) => {
                    m.add_counter(
                        "request_failure",
                        &[
                            ("operation", rpc.to_string()),
                            ("status_code", status_code_name(s.code())),
                        ],
                        1,
                    );
                    let resource_exhausted = s.code() == tonic::Code::ResourceExhausted;
                    let too_large = resource_exhausted && s.message().contains("message larger than max");
                    if is_retryable(s.code())
                        && !too_large
                        && attempt < retry.max_retries
                        && started.elapsed() < retry.max_elapsed
                    {
                        attempt += 1;
                        let base = if resource_exhausted {
                            delay.max(Duration::from_secs(1))
                        } else {
                            delay
                        };
                        tokio::time::sleep(jittered(base, retry.randomization_factor)).await;
                        delay = delay.mul_f64(retry.multiplier).min(retry.max_interval);
                        continue;
                    }
                    return Err(CoreError::transport(rpc, s));
                }
            }
        }
    }
}

/// Adds the namespace header to a request.
pub(crate) fn request<T>(namespace: &str, msg: T) -> tonic::Request<T> {
    let mut r = tonic::Request::new(msg);
    if let Ok(v) = AsciiMetadataValue::try_from(namespace) {
        r.metadata_mut().insert("temporal-namespace", v);
    }
    r
}

/// Adds the namespace header and a timeout to a long-poll request.
/// A gRPC status code as metrics label it: the code's name in screaming snake case
/// (`DEADLINE_EXCEEDED`).
pub(crate) fn status_code_name(code: tonic::Code) -> String {
    let mut out = String::new();
    for (i, c) in format!("{code:?}").chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

impl Connection {
    /// Records a finished long poll (`long_request`, `long_request_latency`, and
    /// `long_request_failure` with its status code). A poll that timed out empty is a success.
    pub(crate) fn record_long_poll(&self, rpc: &'static str, started: Instant, failure: Option<tonic::Code>) {
        let m = &self.inner.metrics;
        let labels = [("operation", rpc.to_string())];
        m.add_counter("long_request", &labels, 1);
        m.record_histogram(
            "long_request_latency",
            &labels,
            started.elapsed().as_secs_f64() * 1000.0,
        );
        if let Some(code) = failure {
            m.add_counter(
                "long_request_failure",
                &[("operation", rpc.to_string()), ("status_code", status_code_name(code))],
                1,
            );
        }
    }
}

pub(crate) fn long_poll<T>(namespace: &str, msg: T) -> tonic::Request<T> {
    let mut r = request(namespace, msg);
    r.set_timeout(Duration::from_secs(70));
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_are_labelled_in_screaming_snake_case() {
        assert_eq!(status_code_name(tonic::Code::Ok), "OK");
        assert_eq!(status_code_name(tonic::Code::NotFound), "NOT_FOUND");
        assert_eq!(status_code_name(tonic::Code::DeadlineExceeded), "DEADLINE_EXCEEDED");
        assert_eq!(status_code_name(tonic::Code::ResourceExhausted), "RESOURCE_EXHAUSTED");
    }
}
