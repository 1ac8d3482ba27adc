//! All orders, newest first: filter by China day, sales channel, branch and product category;
//! the count and revenue of what the filter matches. The same list is `GET /api/v1/orders`.

use crate::AppState;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::html::yuan;
use crate::html::{Chrome, Nav, china_time, query_choice, query_day, query_period, query_text, render, url_encode};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use guanxi_domain::{Lang, SalesChannel};
use guanxi_store::{OrderFilter, OrderLine, OrderPage};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new().route("/orders", get(page))
}

/// The list's query as typed in the filter form or a link.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderQuery {
    /// First China day, YYYY-MM-DD
    pub from: Option<String>,
    /// Last China day, YYYY-MM-DD (inclusive)
    pub to: Option<String>,
    /// store, online, sales_rep or reseller
    pub channel: Option<String>,
    /// Store / branch, exactly
    pub branch: Option<String>,
    /// Product category, exactly
    pub category: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl OrderQuery {
    /// The store's filter, or a 400 naming the parameter and the value.
    pub fn filter(&self) -> Result<OrderFilter, AppError> {
        let from = query_day("from", "开始日期", &self.from)?;
        let to = query_day("to", "结束日期", &self.to)?;
        let (from, to) = query_period(from, to)?;
        let channel = query_choice("channel", "销售渠道", &self.channel, SalesChannel::parse, SalesChannel::codes())?;
        let text = query_text;
        Ok(OrderFilter {
            from,
            to,
            channel,
            branch: text(&self.branch),
            category: text(&self.category),
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(50).clamp(1, 200),
        })
    }

    /// The query again as a link's query string, without the page.
    fn link(&self) -> String {
        let pairs = [
            ("from", &self.from),
            ("to", &self.to),
            ("channel", &self.channel),
            ("branch", &self.branch),
            ("category", &self.category),
        ];
        pairs
            .iter()
            .filter_map(|(k, v)| {
                v.as_deref().filter(|s| !s.trim().is_empty()).map(|v| format!("{k}={}", url_encode(v)))
            })
            .collect::<Vec<_>>()
            .join("&")
    }
}

#[derive(Template)]
#[template(path = "orders.html")]
struct OrdersPage {
    c: Chrome,
    q: OrderQuery,
    channels: Vec<(String, String)>,
    list: OrderPage,
    query_string: String,
}

impl OrdersPage {
    fn money(&self, fen: &i64) -> String {
        yuan(*fen)
    }

    fn cost(&self, o: &OrderLine) -> String {
        o.order.cost_fen.map(yuan).unwrap_or_default()
    }

    fn when(&self, o: &OrderLine) -> String {
        china_time(&o.order.ordered_at)
    }

    fn channel(&self, o: &OrderLine) -> &'static str {
        o.order.channel.map(|c| c.label(self.c.t.lang())).unwrap_or("")
    }

    fn value(&self, v: &Option<String>) -> String {
        v.clone().unwrap_or_default()
    }

    fn last_page(&self) -> i64 {
        let p = &self.list.page;
        ((p.total + p.per_page - 1) / p.per_page).max(1)
    }

    fn has_next(&self) -> bool {
        let p = &self.list.page;
        p.page < self.last_page() || (p.total_capped && p.items.len() as i64 == p.per_page)
    }

    fn page_link(&self, page: i64) -> String {
        let sep = if self.query_string.is_empty() { "" } else { "&" };
        format!("/orders?{}{sep}page={page}", self.query_string)
    }
}

async fn page(State(state): State<AppState>, v: Viewer, Query(q): Query<OrderQuery>) -> Result<Response, AppError> {
    let filter = q.filter()?;
    let list = state.store().list_orders(&filter).await?;
    let t = T(v.lang());
    let lang: Lang = t.lang();
    let mut channels = vec![(String::new(), "—".to_string())];
    channels.extend(SalesChannel::ALL.iter().map(|c| (c.code().to_string(), c.label(lang).to_string())));
    let query_string = q.link();
    let here = if query_string.is_empty() { "/orders".to_string() } else { format!("/orders?{query_string}") };
    Ok(render(&OrdersPage { c: Chrome::new(&v, Nav::Orders, None, here), q, channels, list, query_string }))
}
