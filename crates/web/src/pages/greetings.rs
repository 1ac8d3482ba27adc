//! Festival greetings 节日问候 (managers): the festivals ahead — Spring Festival, Dragon Boat and
//! Mid-Autumn worked out from the lunar calendar each year — each with its day and how far off;
//! choosing a template makes the festival's greeting, a one-step cadence that starts on the day
//! (09:00 China time), and leads to it, where customers are put in by ID or from any customer
//! list's filter. Consent, addresses, quiet hours and the weekly cap apply as to every cadence.

use crate::AppState;
use crate::auth::{Action, Viewer};
use crate::error::AppError;
use crate::html::{Chrome, Done, FormData, Nav, render};
use crate::i18n::T;
use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use guanxi_domain::Field;
use guanxi_domain::cadences::TEMPLATE_CHANNELS;
use guanxi_domain::festivals::{Festival, greeting, upcoming};
use guanxi_domain::lunar::{lunar_of, say};

pub fn router() -> Router<AppState> {
    Router::new().route("/greetings", get(page).post(create))
}

struct FestivalRow {
    /// The greeting already made for this festival's day, if any.
    made: Option<i64>,
    code: &'static str,
    name: &'static str,
    day: String,
    lunar: String,
    days_away: i64,
}

#[derive(Template)]
#[template(path = "greetings.html")]
struct Page {
    c: Chrome,
    festivals: Vec<FestivalRow>,
    /// (id, name and channel)
    templates: Vec<(i64, String)>,
    /// Greetings made before: (cadence id, name, day, customers in it)
    made: Vec<(i64, String, String, i64)>,
    error: Option<String>,
}

async fn show(state: &AppState, v: &Viewer, error: Option<String>) -> Result<Response, AppError> {
    let t = T(v.lang());
    let today = guanxi_store::today_in_china();
    let cadences = state.store().cadences().await?;
    let festivals = upcoming(today)
        .into_iter()
        .map(|(f, day)| FestivalRow {
            made: cadences
                .iter()
                .find(|k| k.draft.starts_on == Some(day) && is_greeting_of(&k.draft.name, f))
                .map(|k| k.id),
            code: f.code(),
            name: f.label(t.lang()),
            day: day.to_string(),
            lunar: match f {
                Festival::NewYear | Festival::NationalDay => String::new(),
                _ => lunar_of(day).map(say).unwrap_or_default(),
            },
            days_away: (day - today).num_days(),
        })
        .collect();
    let templates = state
        .store()
        .templates()
        .await?
        .into_iter()
        .filter(|tp| TEMPLATE_CHANNELS.contains(&tp.draft.channel))
        .map(|tp| {
            (
                tp.id,
                format!(
                    "{}{}{}{}",
                    tp.draft.name,
                    t.pick("（", " ("),
                    tp.draft.channel.label(t.lang()),
                    t.pick("）", ")")
                ),
            )
        })
        .collect();
    let made = cadences
        .into_iter()
        .filter_map(|k| k.draft.starts_on.map(|d| (k.id, k.draft.name.clone(), d.to_string(), k.enrolled)))
        .collect();
    let failed = error.is_some();
    let mut r = render(&Page {
        c: Chrome::new(v, Nav::Cadences, None, "/greetings".into()),
        festivals,
        templates,
        made,
        error,
    });
    if failed {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn page(State(state): State<AppState>, v: Viewer) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    show(&state, &v, None).await
}

/// Makes the chosen festival's greeting with the chosen template and goes to it.
async fn create(State(state): State<AppState>, v: Viewer, body: Bytes) -> Result<Response, AppError> {
    v.may(Action::ManageCadences)?;
    let t = T(v.lang());
    let form = FormData::parse(&body)?;
    let festival = Festival::from_code(form.get("festival").trim());
    let template = match form.get("template").trim().parse::<i64>() {
        Ok(id) => state.store().templates().await?.into_iter().find(|tp| tp.id == id),
        Err(_) => None,
    };
    let today = guanxi_store::today_in_china();
    let (festival, template) = match (festival.and_then(|f| f.next_on_or_after(today).map(|d| (f, d))), template) {
        (Some(f), Some(tp)) => (f, tp),
        (None, _) => {
            let allowed: Vec<&str> = Festival::ALL.iter().map(|f| f.label(t.lang())).collect();
            let message = format!(
                "{}{}{}",
                t.field(Field::Festival),
                t.colon(),
                t.greetings_pick_festival().replace("{list}", &allowed.join(t.pick("、", ", ")))
            );
            return show(&state, &v, Some(message)).await;
        }
        (_, None) => {
            let message = format!("{}{}{}", t.field(Field::Template), t.colon(), t.greetings_pick_template());
            return show(&state, &v, Some(message)).await;
        }
    };
    // Made before for this festival's day: that one, not a second (a customer in both would get
    // two greetings).
    let existing = state
        .store()
        .cadences()
        .await?
        .into_iter()
        .find(|k| k.draft.starts_on == Some(festival.1) && is_greeting_of(&k.draft.name, festival.0));
    if let Some(k) = existing {
        return Ok(Redirect::to(&format!("/cadences/{}", k.id)).into_response());
    }
    let draft = greeting(festival.0, festival.1, (template.id, template.draft.channel), v.lang());
    let c = state.store().save_cadence(v.actor(), None, &draft).await?;
    Ok(Redirect::to(&format!("/cadences/{}?done={}", c.id, Done::CadenceSaved.code())).into_response())
}

/// Whether a cadence's name is that of `festival`'s greeting (as `festivals::greeting` names it,
/// in either language).
fn is_greeting_of(name: &str, festival: Festival) -> bool {
    [guanxi_domain::Lang::ZhCn, guanxi_domain::Lang::En].iter().any(|l| name.starts_with(festival.label(*l)))
}
