//! The HTTP face of Tuijin: the JSON API under `/api/v1` (documented by the OpenAPI spec it
//! serves), health and metrics endpoints, and the pages. Handlers are thin: extract, call the
//! store or the domain, render a view type.

pub mod api;
pub mod auth;
pub mod briefing;
pub mod cache;
mod charts;
pub mod error;
pub use tuijin_core::i18n;
pub mod client;
pub mod csv_out;
pub mod jobs;
pub mod metrics;
pub mod pages;
pub mod session;
pub mod views;
pub mod workbooks;

use std::net::SocketAddr;
use std::time::Duration;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tuijin_core::Plan;
use tuijin_core::clock::{Clock, DEFAULT_TZ, Stamp};
use tuijin_store::Store;

pub use error::ApiError;

/// How long a request may take before it is answered `408`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a write waits for the page check of a large file after the start (`Store::
/// bound_page_check_wait`): well within `REQUEST_TIMEOUT`, so that it is refused as "still
/// checking, retry" rather than timed out.
const PAGE_CHECK_WAIT: Duration = Duration::from_secs(20);

/// Everything a handler may use; passed explicitly, no globals.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The one source of "now" and "today" (`tuijin_core::clock`).
    pub clock: Arc<dyn Clock>,
    /// True for `tuijin demo`: pages say the data is sample data and the date simulated.
    pub demo: bool,
    pub metrics: std::sync::Arc<metrics::Metrics>,
    /// The queue of the group-commit task for acceptances (`jobs::spawn_committer`).
    pub accepts: tokio::sync::mpsc::Sender<jobs::AcceptJob>,
    pub plans: std::sync::Arc<cache::PlanCache>,
    /// How long browser sessions live and when log-ins are throttled.
    pub rules: tuijin_core::policy::SessionRules,
    /// Mark cookies Secure (the site is served over HTTPS, perhaps by a proxy in front).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed.
    pub trusted_proxies: client::TrustedProxies,
    /// When refused API tokens were last recorded, per address.
    pub refused_tokens: std::sync::Arc<auth::RefusedTokens>,
    /// Below this much free space in the data folder, `/healthz` reports degraded storage.
    pub min_free_bytes: u64,
    /// Scheduled backups, when the settings ask for them.
    pub backups: Option<jobs::BackupPlan>,
    /// Time between the re-evaluations of every plan's warnings (15 minutes by default).
    pub warning_refresh: Duration,
    /// The outcome of the last scheduled backup, for `/healthz`.
    pub last_backup: std::sync::Arc<std::sync::Mutex<Option<jobs::BackupOutcome>>>,
    /// The largest evidence file, in bytes (`core::evidence::DEFAULT_MAX_BYTES` unless the
    /// server is told otherwise); an upload's whole body may be this and 1 MiB more.
    pub evidence_max: u64,
    /// Requests handled at once; more are shed with 503 rather than queued without bound
    /// (`set_max_in_flight`).
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
    /// Briefings rendering in the background and those waiting for their download.
    pub(crate) briefs: std::sync::Arc<pages::briefings::BriefJobs>,
}

impl AppState {
    /// The state of one server; spawns its group-commit task, so call it inside a runtime.
    pub fn new(store: Store, clock: Arc<dyn Clock>, demo: bool) -> Self {
        // A write that comes while a large file's pages are still checked after the start is
        // answered `503` "still checking" with `Retry-After` before the request's own timeout.
        store.bound_page_check_wait(PAGE_CHECK_WAIT);
        let accepts = jobs::spawn_committer(store.clone());
        AppState {
            store,
            clock,
            demo,
            metrics: metrics::Metrics::new(),
            accepts,
            plans: Default::default(),
            rules: Default::default(),
            secure_cookies: false,
            trusted_proxies: client::TrustedProxies::default(),
            refused_tokens: Default::default(),
            min_free_bytes: DEFAULT_MIN_FREE_BYTES,
            evidence_max: tuijin_core::evidence::DEFAULT_MAX_BYTES,
            backups: None,
            warning_refresh: Duration::from_secs(15 * 60),
            last_backup: Default::default(),
            in_flight: std::sync::Arc::new(tokio::sync::Semaphore::new(DEFAULT_MAX_IN_FLIGHT)),
            briefs: Default::default(),
        }
    }
}

/// Requests handled at once before new ones are shed (each waits at most for the write permit
/// and the timeout; a burst beyond this is an attack or a misconfigured client).
pub const DEFAULT_MAX_IN_FLIGHT: usize = 1024;

/// Free space below which the storage counts as degraded: 100 MiB.
pub const DEFAULT_MIN_FREE_BYTES: u64 = 100 * 1024 * 1024;

impl AppState {
    /// How many requests are handled at once before new ones are shed.
    pub fn set_max_in_flight(&mut self, n: usize) {
        self.in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(n.max(1)));
    }

    /// Today in a plan's zone.
    pub fn today(&self, plan: &Plan) -> chrono::NaiveDate {
        self.clock.today(plan.tz())
    }

    /// Today in the default zone, for what belongs to no plan.
    pub fn today_default(&self) -> chrono::NaiveDate {
        self.clock.today(DEFAULT_TZ)
    }

    /// The stamp of a write by `actor` on a plan.
    pub fn stamp(&self, actor: &str, plan: &Plan) -> Stamp {
        self.clock.stamp(actor, plan.tz())
    }

    /// The stamp of a write that belongs to no plan (accounts, sessions).
    pub fn stamp_default(&self, actor: &str) -> Stamp {
        self.clock.stamp(actor, DEFAULT_TZ)
    }
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The whole application: API, health, pages.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// The application with `extra` routes under the same layers (error rendering, metrics,
/// headers, limits): for tests that need a handler of their own.
pub fn router_with(state: AppState, extra: Router<AppState>) -> Router {
    Router::new()
        .merge(extra)
        .route("/healthz", get(api::health::healthz))
        .route("/metrics", get(metrics::render))
        .nest(
            "/api/v1",
            // The lists answer CSV when asked, built from their own JSON (`csv_out`).
            api::routes().layer(axum::middleware::from_fn_with_state(
                state.clone(),
                csv_out::api,
            )),
        )
        .merge(pages::routes(state.clone()))
        .layer(axum::middleware::from_fn(cache::reads_may_wait_elsewhere))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            shed_load,
        ))
        // Limits inside the failure rendering and the headers: a body over the limit or a
        // request past its time answers as a problem document or failure page with every
        // security header, like any other refusal.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_body,
        ))
        // The limit is `limit_body`'s, by route; the extractors' own default would cap uploads.
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(axum::middleware::from_fn(error::refuse_control_characters))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            error::render_failures,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(TraceLayer::new_for_http())
        // Headers on every response: nothing may load from outside or run inline, nothing may
        // frame us, no MIME sniffing, no referrer leaves the intranet.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        // Nothing a user sees is kept by a browser or a proxy (ASVS 8.2.1): pages and API
        // answers hold plan data, reports and one-time tokens. Only the stylesheet, which says
        // otherwise itself, may be cached.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Sheds a request with 503 when `max_in_flight` are being handled already: under overload
/// the server answers at once instead of queueing without bound.
async fn shed_load(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    match st.in_flight.clone().try_acquire_owned() {
        Ok(permit) => {
            let res = next.run(req).await;
            drop(permit);
            res
        }
        Err(_) => {
            let face = if req.uri().path().starts_with("/api/") {
                error::Face::Api
            } else {
                error::Face::Page
            };
            error::pending(
                error::Failure::from(error::ApiError::Unavailable(
                    tuijin_store::Unavailable::Overloaded,
                )),
                face,
            )
        }
    }
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests in flight.
pub async fn serve(state: AppState, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    serve_on(state, listener).await
}

/// Serves on a bound listener, with the background jobs running beside it.
pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> std::io::Result<()> {
    let job = jobs::spawn_warning_refresh(state.clone(), state.warning_refresh);
    let backups = state
        .backups
        .clone()
        .map(|plan| jobs::spawn_backups(state.clone(), plan));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    job.abort();
    if let Some(b) = backups {
        b.abort();
    }
    served
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// The most a request's body may hold: 2 MiB.
pub const BODY_LIMIT: u64 = 2 * 1024 * 1024;

/// Whether a request carries evidence files: an upload through the API, or the report and
/// notice forms that take files.
fn is_upload(method: &axum::http::Method, path: &str) -> bool {
    method == axum::http::Method::POST
        && (path.ends_with("/evidence")
            || path.starts_with("/workspace/report/")
            || (path.starts_with("/notices/") && path.ends_with("/act"))
            || (path.starts_with("/plans/") && path.ends_with("/request")))
}

/// Refuses a body over its limit (`BODY_LIMIT`, or for an upload the evidence limit and 1 MiB
/// for the rest of the form): at once when its Content-Length says so, else when reading it
/// passes the limit (the extractors answer 413).
async fn limit_body(
    axum::extract::State(st): axum::extract::State<AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = if is_upload(req.method(), req.uri().path()) {
        st.evidence_max.saturating_add(1024 * 1024)
    } else {
        BODY_LIMIT
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    next.run(req.map(|b| axum::body::Body::new(http_body_util::Limited::new(b, limit))))
        .await
}
