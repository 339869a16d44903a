//! The pages: server-rendered HTML (maud escapes everything it prints), one layout, one
//! navigation, one stylesheet, no script. Every page asks the policy module through
//! `Viewer::require` before it reads anything, and every form carries its anti-forgery token.
//! Each page lives in its own file; adding one is a route here and a link in `NAV`.

mod account;
mod assessments;
mod baselines;
pub(crate) mod briefings;
mod cockpit;
mod directory;
mod downloads;
mod evidence;
mod figure_review;
mod figures;
mod gantt;
mod history;
mod indicators;
mod item;
mod leader;
mod login;
mod notice_board;
mod notices;
mod plan_edit;
mod portal;
mod proposals;
mod requests;
mod review;
mod scorecard;
mod settings;
mod tree;
mod warnings;
pub mod widgets;
mod workbooks;
mod workspace;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use tuijin_core::policy::{Action, Role};
use tuijin_core::problem::Problem;
use tuijin_store::{PlanStore, StoreError};

use crate::AppState;
use crate::error::{ApiError, Detail, Face, Failure, pending};
use crate::i18n::Lang;
use crate::session::Viewer;

pub fn routes(st: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assets/tuijin.css", get(stylesheet))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang", post(login::language))
        .route("/account", get(account::page))
        .route("/account/tokens", post(account::create_token))
        .route("/account/tokens/{id}/revoke", post(account::revoke_token))
        .route("/portal", get(portal::index))
        .route("/portal/{plan}", get(portal::plan))
        .route("/plans/{plan}", get(cockpit::page))
        .route("/plans/{plan}/tree", get(tree::page))
        .route("/plans/{plan}/items/{code}", get(item::page))
        .route(
            "/plans/{plan}/items/{code}/edit",
            get(plan_edit::edit_form).post(plan_edit::save),
        )
        .route(
            "/plans/{plan}/items/{code}/new",
            get(plan_edit::new_form).post(plan_edit::create),
        )
        .route("/plans/{plan}/items/{code}/act", post(plan_edit::act))
        .route(
            "/plans/{plan}/items/{code}/notes",
            post(plan_edit::add_note),
        )
        .route(
            "/plans/{plan}/items/{code}/request",
            get(requests::form).post(requests::file),
        )
        .route("/plans/{plan}/change-requests", get(requests::queue))
        .route("/change-requests/{id}/decide", post(requests::decide))
        .route("/change-requests/{id}/withdraw", post(requests::withdraw))
        .route(
            "/plans/{plan}/baselines",
            get(baselines::page).post(baselines::set),
        )
        .route(
            "/plans/{plan}/units",
            get(directory::units).post(directory::save_unit),
        )
        .route("/plans/{plan}/units/{unit}", get(directory::unit_form))
        .route(
            "/plans/{plan}/people",
            get(directory::people).post(directory::save_person),
        )
        .route("/plans/{plan}/people/{person}", get(directory::person_form))
        .route(
            "/plans/{plan}/settings",
            get(settings::settings).post(settings::save_settings),
        )
        .route("/plans/{plan}/history", get(history::page))
        .route(
            "/plans/{plan}/briefings",
            get(briefings::page).post(briefings::start),
        )
        .route("/briefings/{brief}", get(briefings::status))
        .route("/briefings/{brief}/file", get(briefings::file))
        .route("/plans/{plan}/indicators", get(indicators::list))
        .route("/plans/{plan}/indicators/{code}", get(indicators::one))
        .route("/plans/{plan}/warnings", get(warnings::page))
        .route("/plans/{plan}/timeline", get(gantt::page))
        .route("/plans/{plan}/notices", get(notice_board::board))
        .route(
            "/plans/{plan}/notices/new",
            get(notices::new_form).post(notices::issue),
        )
        .route("/plans/{plan}/notices/proposals", get(proposals::page))
        .route(
            "/plans/{plan}/notices/proposals/issue",
            post(proposals::issue),
        )
        .route(
            "/plans/{plan}/notices/proposals/dismiss",
            post(proposals::dismiss),
        )
        .route("/notices/{notice}", get(notices::page))
        .route("/notices/{notice}/act", post(notices::act))
        .route(
            "/plans/{plan}/assessments",
            get(assessments::list).post(assessments::create),
        )
        .route(
            "/plans/{plan}/assessments/scheme",
            get(assessments::scheme).post(assessments::load_scheme),
        )
        .route(
            "/plans/{plan}/assessments/units/{unit}",
            get(scorecard::across),
        )
        .route("/assessments/{run}", get(assessments::run))
        .route("/assessments/{run}/act", post(assessments::act))
        .route("/assessments/{run}/units/{unit}", get(scorecard::page))
        .route("/assessments/{run}/objections", post(scorecard::object))
        .route(
            "/assessments/{run}/objections/{objection}/answer",
            post(assessments::answer),
        )
        .route("/workspace", get(workspace::page))
        .route(
            "/workspace/excel/{plan}",
            get(workbooks::page).post(workbooks::upload),
        )
        .route(
            "/workspace/report/{plan}/{code}",
            get(workspace::form).post(workspace::save),
        )
        .route(
            "/workspace/figures/{plan}/{code}",
            get(figures::form).post(figures::save),
        )
        .route("/review", get(review::page).post(review::decide))
        .route("/review/figures/{plan}/{id}", post(figure_review::decide))
        .route("/review/close", post(review::close))
        .layer(axum::middleware::from_fn_with_state(
            st,
            crate::session::ensure_csrf_cookie,
        ))
}

/// Every page route with its method and who may use it, for the role × page test in
/// `tests/pages.rs` (a route of `routes()` missing here fails it). Access: `public` (anyone),
/// `read_plan` (any logged-in role), `logged_in`, `unit` (unit accounts), `unit_of_item` (a
/// unit that leads or co-operates on the item), `review` (the office), `indicator_owner` (the
/// unit that owns the indicator, or the office), `office` (the office alone: editing the
/// plan), `notice_reader` (the office, leaders, admins
/// and the addressed unit), `form` (a POST form:
/// anyone, with the visitor's anti-forgery token), `redirect` (sends each role on).
pub const PAGES: &[(&str, &str, &str)] = &[
    ("GET", "/", "redirect"),
    ("GET", "/assets/tuijin.css", "public"),
    ("GET", "/login", "public"),
    ("POST", "/login", "form"),
    ("POST", "/logout", "form"),
    ("POST", "/lang", "form"),
    ("GET", "/account", "logged_in"),
    ("POST", "/account/tokens", "form"),
    ("POST", "/account/tokens/{id}/revoke", "form"),
    ("GET", "/portal", "public"),
    ("GET", "/portal/{plan}", "public"),
    ("GET", "/plans/{plan}", "read_plan"),
    ("GET", "/plans/{plan}/tree", "read_plan"),
    ("GET", "/plans/{plan}/items/{code}", "public"),
    ("GET", "/plans/{plan}/items/{code}/edit", "office"),
    ("POST", "/plans/{plan}/items/{code}/edit", "form"),
    ("GET", "/plans/{plan}/items/{code}/new", "office"),
    ("POST", "/plans/{plan}/items/{code}/new", "form"),
    ("POST", "/plans/{plan}/items/{code}/act", "form"),
    ("POST", "/plans/{plan}/items/{code}/notes", "form"),
    ("GET", "/plans/{plan}/items/{code}/request", "unit_of_item"),
    ("POST", "/plans/{plan}/items/{code}/request", "form"),
    ("GET", "/plans/{plan}/change-requests", "office"),
    ("POST", "/change-requests/{id}/decide", "form"),
    ("POST", "/change-requests/{id}/withdraw", "form"),
    ("GET", "/plans/{plan}/baselines", "read_plan"),
    ("POST", "/plans/{plan}/baselines", "form"),
    ("GET", "/plans/{plan}/units", "read_plan"),
    ("POST", "/plans/{plan}/units", "form"),
    ("GET", "/plans/{plan}/units/{unit}", "office"),
    ("GET", "/plans/{plan}/people", "read_plan"),
    ("POST", "/plans/{plan}/people", "form"),
    ("GET", "/plans/{plan}/people/{person}", "office"),
    ("GET", "/plans/{plan}/settings", "office"),
    ("POST", "/plans/{plan}/settings", "form"),
    ("GET", "/plans/{plan}/history", "read_plan"),
    ("GET", "/plans/{plan}/briefings", "briefing"),
    ("POST", "/plans/{plan}/briefings", "form"),
    ("GET", "/briefings/{brief}", "briefing_job"),
    ("GET", "/briefings/{brief}/file", "briefing_job"),
    ("GET", "/plans/{plan}/indicators", "read_plan"),
    ("GET", "/plans/{plan}/indicators/{code}", "read_plan"),
    ("GET", "/plans/{plan}/warnings", "read_plan"),
    ("GET", "/plans/{plan}/timeline", "read_plan"),
    ("GET", "/plans/{plan}/notices", "read_plan"),
    ("GET", "/plans/{plan}/notices/new", "review"),
    ("POST", "/plans/{plan}/notices/new", "form"),
    ("GET", "/plans/{plan}/notices/proposals", "review"),
    ("POST", "/plans/{plan}/notices/proposals/issue", "form"),
    ("POST", "/plans/{plan}/notices/proposals/dismiss", "form"),
    ("GET", "/notices/{notice}", "notice_reader"),
    ("POST", "/notices/{notice}/act", "form"),
    ("GET", "/plans/{plan}/assessments", "read_plan"),
    ("POST", "/plans/{plan}/assessments", "form"),
    ("GET", "/plans/{plan}/assessments/scheme", "read_plan"),
    ("POST", "/plans/{plan}/assessments/scheme", "form"),
    ("GET", "/plans/{plan}/assessments/units/{unit}", "read_plan"),
    ("GET", "/assessments/{run}", "read_plan"),
    ("POST", "/assessments/{run}/act", "form"),
    ("GET", "/assessments/{run}/units/{unit}", "read_plan"),
    ("POST", "/assessments/{run}/objections", "form"),
    (
        "POST",
        "/assessments/{run}/objections/{objection}/answer",
        "form",
    ),
    ("GET", "/workspace", "unit"),
    ("GET", "/workspace/excel/{plan}", "unit"),
    ("POST", "/workspace/excel/{plan}", "form"),
    ("GET", "/workspace/report/{plan}/{code}", "unit_of_item"),
    ("POST", "/workspace/report/{plan}/{code}", "form"),
    ("GET", "/workspace/figures/{plan}/{code}", "indicator_owner"),
    ("POST", "/workspace/figures/{plan}/{code}", "form"),
    ("GET", "/review", "review"),
    ("POST", "/review", "form"),
    ("POST", "/review/figures/{plan}/{id}", "form"),
    ("POST", "/review/close", "form"),
];

/// What a page answers when it cannot show what was asked: the log-in page for a visitor who
/// might be allowed after logging in, else a failure rendered in the layout by
/// `error::render_failures` (the one mapping shared with the API).
#[derive(Debug)]
pub enum PageError {
    /// Not logged in: go to the log-in page, then come back here.
    Login(String),
    Fail(Failure),
}

impl PageError {
    pub fn not_found(what: impl Into<String>) -> PageError {
        ApiError::NotFound(what.into()).into()
    }
    /// Refused, with a catalogue message.
    pub fn forbidden(key: &'static str) -> PageError {
        PageError::Fail(Failure {
            status: StatusCode::FORBIDDEN,
            kind: "forbidden",
            detail: Detail::Key(key),
            current: None,
        })
    }
    pub fn invalid(p: Problem) -> PageError {
        ApiError::invalid(p).into()
    }
    pub fn bad_request(text: impl Into<String>) -> PageError {
        ApiError::BadRequest(text.into()).into()
    }
    pub fn internal(cause: impl Into<String>) -> PageError {
        ApiError::Internal(cause.into()).into()
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::Unauthorized(_) => PageError::Login("/".into()),
            other => PageError::Fail(Failure::from(other)),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login(next) => {
                let to = format!("/login?next={}", urlencode(&next));
                Redirect::to(&to).into_response()
            }
            PageError::Fail(f) => pending(f, Face::Page),
        }
    }
}

/// What a failed page request needs to be answered in its layout: who asked (from the
/// cookies), in which language, for which path.
pub struct SavedRequest {
    parts: axum::http::request::Parts,
}

impl SavedRequest {
    pub fn of(req: &axum::extract::Request) -> SavedRequest {
        let mut b = axum::http::Request::builder()
            .method(req.method().clone())
            .uri(req.uri().clone());
        if let Some(h) = b.headers_mut() {
            *h = req.headers().clone();
        }
        let (mut parts, ()) = b.body(()).expect("a request from valid parts").into_parts();
        if let Some(c) = req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        {
            parts.extensions.insert(*c);
        }
        if let Some(c) = req.extensions().get::<crate::session::AnonymousCsrf>() {
            parts.extensions.insert(c.clone());
        }
        SavedRequest { parts }
    }
}

/// A failure as a page in the layout, in the visitor's language; every field problem listed.
pub async fn failure_page(st: &AppState, saved: SavedRequest, f: &Failure) -> Response {
    use axum::extract::FromRequestParts;
    let mut parts = saved.parts;
    let viewer = Viewer::from_request_parts(&mut parts, st).await.ok();
    let body = |l: Lang| {
        let fields = f.field_errors(l);
        html! {
            h1 { (f.title(l)) }
            @if fields.is_empty() {
                p { (f.detail(l)) }
            } @else {
                ul.problems {
                    @for e in &fields {
                        li { @if !e.field.is_empty() { code { (e.field) } ": " } (e.message) }
                    }
                }
            }
            p { a href="/" { (l.t("error.home")) } }
        }
    };
    let html = match &viewer {
        Some(v) => layout(st, v, None, Section::None, f.title(v.lang), body(v.lang)),
        // The visitor cannot even be told apart (the storage is down): both languages.
        None => Html(
            html! {
                (DOCTYPE)
                html lang="zh-CN" {
                    head {
                        meta charset="utf-8";
                        meta name="viewport" content="width=device-width, initial-scale=1";
                        title { (f.title(Lang::Zh)) " · " (f.title(Lang::En)) }
                        link rel="stylesheet" href="/assets/tuijin.css";
                    }
                    body { main #content { (body(Lang::Zh)) div lang="en" { (body(Lang::En)) } } }
                }
            }
            .into_string(),
        ),
    };
    (f.status, html).into_response()
}

/// Everything but unreserved characters and `/` is encoded in a path or query value.
const URL_VALUE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'/');

/// A value made safe for a URL's path or query.
pub fn urlencode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, URL_VALUE).to_string()
}

/// A path to come back to after logging in or choosing a language: a local path only, never
/// another site (ASVS 5.1.5). Browsers drop tabs and newlines from a URL and read `\\` as `/`,
/// so `/\t/evil.example` would leave the site: any control character, whitespace or backslash
/// sends the visitor home instead. Non-ASCII is percent-encoded, so the `Location` header
/// is always valid.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else {
        return "/".into();
    };
    let local = n.starts_with('/') && !n.starts_with("//");
    let plain = n
        .chars()
        .all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    if !(local && plain) {
        return "/".into();
    }
    percent_encoding::utf8_percent_encode(n, percent_encoding::CONTROLS).to_string()
}

const STYLE: &str = include_str!("../../assets/tuijin.css");

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

/// The plan the navigation points at: the one in the path, else the first plan.
pub async fn default_plan(st: &AppState) -> Option<String> {
    st.store
        .list_plans()
        .await
        .ok()?
        .first()
        .map(|p| p.plan.code.to_string())
}

/// Which entry of the navigation a page belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Cockpit,
    Tree,
    Timeline,
    History,
    Warnings,
    Notices,
    Assessments,
    Indicators,
    Briefings,
    /// The office's keeping of the plan: settings, units, people, baselines, requests.
    Setup,
    Workspace,
    Review,
    Portal,
    Account,
    None,
}

/// The page frame: skip link, top bar with navigation for the viewer's role, the demo banner,
/// the language switch, and the content.
pub fn layout(
    st: &AppState,
    v: &Viewer,
    plan: Option<&str>,
    section: Section,
    title: &str,
    body: Markup,
) -> Html<String> {
    let l = v.lang;
    let reads_plan = v.allowed(Action::ReadPlan);
    let nav: Vec<(Section, String, &'static str)> = {
        let mut n = Vec::new();
        if v.who.role == Role::Unit {
            n.push((Section::Workspace, "/workspace".into(), "nav.workspace"));
        }
        if let Some(p) = plan.filter(|_| reads_plan) {
            n.push((Section::Cockpit, format!("/plans/{p}"), "nav.cockpit"));
            n.push((Section::Tree, format!("/plans/{p}/tree"), "nav.tree"));
            n.push((
                Section::Timeline,
                format!("/plans/{p}/timeline"),
                "nav.timeline",
            ));
            n.push((
                Section::Warnings,
                format!("/plans/{p}/warnings"),
                "nav.warnings",
            ));
            n.push((
                Section::Notices,
                format!("/plans/{p}/notices"),
                "nav.notices",
            ));
            n.push((
                Section::Assessments,
                format!("/plans/{p}/assessments"),
                "nav.assessments",
            ));
            n.push((
                Section::Indicators,
                format!("/plans/{p}/indicators"),
                "nav.indicators",
            ));
            n.push((
                Section::History,
                format!("/plans/{p}/history"),
                "nav.history",
            ));
            if v.allowed(Action::ReadBriefing) {
                n.push((
                    Section::Briefings,
                    format!("/plans/{p}/briefings"),
                    "nav.briefings",
                ));
            }
            if v.allowed(Action::EditPlan) {
                n.push((Section::Setup, format!("/plans/{p}/settings"), "nav.setup"));
            }
        }
        if v.allowed(Action::Review) {
            n.push((Section::Review, "/review".into(), "nav.review"));
        }
        if !reads_plan {
            n.push((Section::Portal, "/portal".into(), "nav.portal"));
        }
        n
    };
    let page = html! {
        (DOCTYPE)
        html lang=(l.html()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · " (l.t("app.name")) }
                link rel="stylesheet" href="/assets/tuijin.css";
            }
            body {
                a.skip href="#content" { (l.t("nav.skip")) }
                header.top {
                    div.bar {
                        a.brand href="/" { (l.t("app.name")) }
                        nav.main aria-label=(l.t("nav.label")) {
                            ul {
                                @for (s, href, key) in &nav {
                                    @let count = (*s == Section::Workspace && v.to_answer > 0).then_some(v.to_answer);
                                    li {
                                        a href=(href) aria-current=[(*s == section).then_some("page")] {
                                            (l.t(key))
                                            @if let Some(k) = count {
                                                " " span.badge title=(l.f("nav.to_answer", &[("n", &k)])) { (k) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        div.who {
                            form method="post" action="/lang" {
                                input type="hidden" name="csrf" value=(v.csrf());
                                input type="hidden" name="next" value=(v.here);
                                input type="hidden" name="lang" value=(l.other().code());
                                button type="submit" lang=(l.other().html()) { (l.t("nav.other_language")) }
                            }
                            @if let Some(s) = &v.session {
                                a href="/account" { (s.principal.name) " · " (l.t(role_key(s.principal.role))) }
                                form method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(v.csrf());
                                    button type="submit" { (l.t("nav.logout")) }
                                }
                            } @else {
                                a href={ "/login?next=" (urlencode(&v.here)) } { (l.t("nav.login")) }
                            }
                        }
                    }
                }
                @if st.demo {
                    p.demo role="note" { (l.f("demo.banner", &[("date", &st.today_default())])) }
                } @else if st.clock.is_simulated() {
                    p.demo role="note" { (l.f("clock.simulated", &[("date", &st.today_default())])) }
                }
                main #content { (body) }
                footer { (l.t("app.footer")) }
            }
        }
    };
    Html(page.into_string())
}

pub fn role_key(r: Role) -> &'static str {
    match r {
        Role::Admin => "role.admin",
        Role::Office => "role.office",
        Role::Leader => "role.leader",
        Role::Unit => "role.unit",
        Role::Public => "role.public",
    }
}

/// The start page sends each role where it works: the office and leaders to the cockpit, units
/// to their workspace, visitors to the public portal.
async fn home(st: axum::extract::State<AppState>, v: Viewer) -> Result<Response, PageError> {
    let to = match v.who.role {
        Role::Unit => "/workspace".to_string(),
        Role::Public => "/portal".to_string(),
        _ => match default_plan(&st).await {
            Some(p) => format!("/plans/{p}"),
            None => "/account".to_string(),
        },
    };
    Ok(Redirect::to(&to).into_response())
}

/// A page of `Lang` text for a status.
pub fn status_key(s: tuijin_core::Status) -> &'static str {
    use tuijin_core::Status::*;
    match s {
        Done => "status.done",
        NotStarted => "status.not_started",
        OnTrack => "status.on_track",
        AtRisk => "status.at_risk",
        OffTrack => "status.off_track",
        Overdue => "status.overdue",
        Unreported => "status.unreported",
        Cancelled => "status.cancelled",
        Unmeasured => "status.unmeasured",
    }
}

pub fn kind_key(k: tuijin_core::ItemKind) -> &'static str {
    use tuijin_core::ItemKind::*;
    match k {
        Positioning => "kind.positioning",
        Goal => "kind.goal",
        Task => "kind.task",
        Project => "kind.project",
        Work => "kind.work",
        Milestone => "kind.milestone",
    }
}

pub fn lang_of(v: &Viewer) -> Lang {
    v.lang
}

pub fn warning_key(k: tuijin_core::warning::WarningKind) -> &'static str {
    use tuijin_core::warning::WarningKind::*;
    match k {
        Overdue => "warning.overdue",
        BehindTrajectory => "warning.behind_trajectory",
        ReportMissing => "warning.report_missing",
        Stale => "warning.stale",
        IndicatorOffPath => "warning.indicator_off_path",
        IndicatorForecastMiss => "warning.indicator_forecast_miss",
        IndicatorFigureOverdue => "warning.indicator_figure_overdue",
        NoticeOverdue => "warning.notice_overdue",
    }
}

pub fn severity_key(s: tuijin_core::warning::Severity) -> &'static str {
    use tuijin_core::warning::Severity::*;
    match s {
        High => "severity.high",
        Medium => "severity.medium",
        Low => "severity.low",
    }
}

pub fn report_state_key(s: tuijin_core::report::ReportState) -> &'static str {
    use tuijin_core::report::ReportState::*;
    match s {
        Draft => "report.draft",
        Submitted => "report.submitted",
        Accepted => "report.accepted",
        Returned => "report.returned",
        Superseded => "report.superseded",
    }
}

/// The most pages a list is ever paged to: far beyond any plan (a million pages of 100 rows),
/// small enough that `page * rows` cannot overflow.
pub const MAX_PAGE: usize = 1_000_000;

/// Reads a `page` query parameter, held to `MAX_PAGE`: a larger one shows the (empty) last
/// page, never an overflow.
pub fn page_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    use serde::Deserialize;
    // Read as text first: a number too large for usize is still just "too far".
    let s = String::deserialize(d)?;
    if s.is_empty() {
        return Ok(0);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(serde::de::Error::custom(format!(
            "page: `{s}` is not a page number"
        )));
    }
    Ok(s.parse::<usize>().unwrap_or(MAX_PAGE).min(MAX_PAGE))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    /// Keys chosen by a `match` on a domain enum: every variant has its message.
    #[test]
    fn every_enum_has_its_messages() {
        let mut keys: Vec<&'static str> = vec![
            "error.forbidden",
            "error.not-found",
            "error.invalid",
            "error.internal",
            "error.bad-request",
            "error.unauthorized",
            "error.conflict",
            "error.stale",
            "error.precondition-required",
            "error.unavailable",
        ];
        use tuijin_core::VariantArray;
        keys.extend(tuijin_core::Status::VARIANTS.iter().map(|&x| status_key(x)));
        keys.extend(tuijin_core::ItemKind::VARIANTS.iter().map(|&x| kind_key(x)));
        keys.extend(Role::VARIANTS.iter().map(|&x| role_key(x)));
        keys.extend(
            tuijin_core::warning::WarningKind::VARIANTS
                .iter()
                .map(|&x| warning_key(x)),
        );
        keys.extend(
            tuijin_core::warning::Severity::VARIANTS
                .iter()
                .map(|&x| severity_key(x)),
        );
        keys.extend(
            tuijin_core::report::ReportState::VARIANTS
                .iter()
                .map(|&x| report_state_key(x)),
        );
        for k in keys {
            for l in [Lang::Zh, Lang::En] {
                assert_ne!(l.t(k), k, "{k} is missing in {l:?}");
            }
        }
    }

    #[test]
    fn only_local_paths_are_followed_after_log_in() {
        assert_eq!(safe_next(Some("/plans/P")), "/plans/P");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "evil",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r//evil.example",
            "/\u{0}x",
            "/\u{7f}x",
            "/ /evil.example",
            "/\u{3000}/evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_next(None), "/");
        // A local path in Chinese comes back percent-encoded, a valid Location.
        assert_eq!(
            safe_next(Some("/plans/zz/tree?q=郑州")),
            "/plans/zz/tree?q=%E9%83%91%E5%B7%9E"
        );
    }
}
