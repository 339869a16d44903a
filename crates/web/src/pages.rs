//! Pages, server-rendered with maud (escaping is the template engine's, never ours). Until the
//! full interface lands: a start page and an item page that shows an item's details, its
//! children and links, and the sentence of the source document it answers to.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use maud::{DOCTYPE, Markup, html};
use tuijin_core::Text;
use tuijin_store::{ItemFilter, ItemStore, PlanStore, StoreError};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/assets/tuijin.css", get(stylesheet))
        .route("/plans/{plan}/items/{code}", get(item_page))
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.6;color:#1b1f24}\
.demo{background:#fff4ce;border:1px solid #e0c060;padding:.4rem .8rem}\
.en{color:#57606a;font-size:.92em}blockquote{border-left:4px solid #8c6d1f;margin:0;padding:.3rem 1rem;background:#faf7ef}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:600}\
a{color:#0b5cad}@media print{.demo,nav{display:none}}";

/// The stylesheet, served from the binary (the Content-Security-Policy allows nothing inline
/// and nothing from elsewhere).
async fn stylesheet() -> impl IntoResponse {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE,
    )
}

fn layout(st: &AppState, title: &str, body: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · 推进 Tuijin" }
                link rel="stylesheet" href="/assets/tuijin.css";
            }
            body {
                nav { a href="/" { "推进 Tuijin" } }
                @if st.demo {
                    p.demo role="note" {
                        "演示模式：样例数据，模拟日期 " (st.clock.today()) "。"
                        span.en { " Demo mode: sample data, simulated today " (st.clock.today()) "." }
                    }
                }
                main { (body) }
            }
        }
    };
    Html(page.into_string())
}

fn bi(t: &Text) -> Markup {
    html! {
        (t.zh)
        @if !t.en.is_empty() { " " span.en lang="en" { (t.en) } }
    }
}

async fn home(State(st): State<AppState>) -> Html<String> {
    let plans = st.store.list_plans().await.unwrap_or_default();
    let body = html! {
        h1 { "推进 Tuijin" }
        h2 { "规划 " span.en { "Plans" } }
        ul {
            @for p in &plans {
                li {
                    a href={ "/api/v1/plans/" (p.plan.code) } { (p.plan.title.zh) }
                    " — " span.en { (p.plan.title.en) } " (" (p.item_count) " 项 / items)"
                }
            }
        }
        p {
            "接口 API: " a href="/api/v1/openapi.json" { "/api/v1/openapi.json" } " · "
            a href="/api/v1/items?kind=project&parent=" { "/api/v1/items?kind=project" } " · "
            a href="/healthz" { "/healthz" }
        }
    };
    layout(&st, "首页", body)
}

async fn item_page(
    State(st): State<AppState>,
    Path((plan, code)): Path<(String, String)>,
) -> Response {
    let item = match st.store.get_item(&plan, &code).await {
        Ok(i) => i,
        Err(StoreError::NotFound(_)) => {
            let body =
                html! { h1 { "未找到 " span.en { "Not found" } } p { "事项 " (code) " 不存在。" } };
            return (StatusCode::NOT_FOUND, layout(&st, "未找到", body)).into_response();
        }
        Err(e) => {
            tracing::error!(error = %e, "item page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    // Pages have no log-in yet: every visitor is the public, and sees the published part only.
    if !item.item.public {
        let body =
            html! { h1 { "未找到 " span.en { "Not found" } } p { "事项 " (code) " 不存在。" } };
        return (StatusCode::NOT_FOUND, layout(&st, "未找到", body)).into_response();
    }
    let plan_rec = st.store.get_plan(&plan).await.ok();
    let level = plan_rec
        .as_ref()
        .map(|p| p.plan.level_label(item.item.kind))
        .unwrap_or_else(|| item.item.kind.default_label());
    let children = st
        .store
        .list_items(
            &ItemFilter {
                plan: Some(plan.clone()),
                parent: Some(code.clone()),
                public_only: true,
                ..Default::default()
            },
            1000,
            None,
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let (mut supports, mut supported_by) = st.store.links(&plan, &code).await.unwrap_or_default();
    supports.retain(|l| l.public);
    supported_by.retain(|l| l.public);
    let i = &item.item;
    let link = |c: &str| format!("/plans/{plan}/items/{c}");
    let body = html! {
        p { (bi(&level)) " · " code { (i.code) } }
        h1 { (bi(&i.title)) }
        @if !i.description.is_empty() { p { (bi(&i.description)) } }
        @if let Some(src) = &i.source {
            h2 { "原文出处 " span.en { "Source" } }
            blockquote lang="zh-CN" { (src) }
        }
        dl {
            @if let Some(p) = &i.parent { dt { "上级 " span.en { "Parent" } } dd { a href=(link(p.as_str())) { (p) } } }
            @if let Some(u) = &i.lead { dt { "牵头单位 " span.en { "Lead unit" } } dd { (u) } }
            @if !i.co.is_empty() {
                dt { "配合单位 " span.en { "Co-operating units" } }
                dd { @for (n, u) in i.co.iter().enumerate() { @if n > 0 { "、" } (u) } }
            }
            @if let Some(p) = &i.leader { dt { "责任领导 " span.en { "Responsible leader" } } dd { (p) } }
            @if let Some(p) = &i.leader_in_charge { dt { "分管领导 " span.en { "Leader in charge" } } dd { (p) } }
            @if let Some(d) = i.start { dt { "开始 " span.en { "Start" } } dd { (d) } }
            @if let Some(d) = i.due { dt { "截止 " span.en { "Due" } } dd { (d) } }
            @if let Some(t) = &i.target {
                dt { "目标 " span.en { "Target" } }
                dd { (t.value) " " (t.unit) @if let Some(by) = t.by { " (" (by) ")" } }
            }
            @if i.three_ones { dt { "推进机制 " span.en { "Delivery" } } dd { "“三个一”：一个项目、一套班子、一个专案 " span.en { "one project, one team, one dedicated plan" } } }
        }
        @if !children.is_empty() {
            h2 { "下级事项 " span.en { "Children" } }
            ul { @for c in &children { li { a href=(link(c.item.code.as_str())) { (c.item.code) " " (c.item.title.zh) } } } }
        }
        @if !supports.is_empty() {
            h2 { "支撑 " span.en { "Supports" } }
            ul { @for l in &supports { li { a href=(link(l.code.as_str())) { (l.code) " " (l.title.zh) } } } }
        }
        @if !supported_by.is_empty() {
            h2 { "被以下事项支撑 " span.en { "Supported by" } }
            ul { @for l in &supported_by { li { a href=(link(l.code.as_str())) { (l.code) " " (l.title.zh) } } } }
        }
    };
    layout(&st, &i.title.zh, body).into_response()
}
