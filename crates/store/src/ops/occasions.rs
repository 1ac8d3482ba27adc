//! Occasions to keep in touch: the birthdays in the days ahead of the customers a set of owners
//! look after, of their key people and of the people around them.

use super::customers::preferences_from;
use super::{DIALECT, Pool, corrupt};
use crate::{Birthday, Celebrant, Dialect, StoreError};
use chrono::{Datelike, Duration, NaiveDate};
use guanxi_domain::Relation;
use sqlx::{AssertSqlSafe, Row as _};

/// The month and day of a date column as a number, MMDD — the expression the birthday indexes
/// are on (migration 21), so it must stay written exactly so.
fn month_day(column: &str) -> String {
    match DIALECT {
        Dialect::Sqlite => format!("CAST(strftime('%m%d', {column}) AS INTEGER)"),
        Dialect::Postgres => format!("((EXTRACT(MONTH FROM {column}) * 100 + EXTRACT(DAY FROM {column}))::int)"),
    }
}

/// Birthdays from `from` for `days` days (`days` at most 60) of the customers `owners` look
/// after (`None`: everyone's), soonest first, at most `limit` of them, and how many there are in
/// all. Someone born on 29 February is remembered on the 28th in other years. Each day is read
/// by index (migration 21), so a rep with a quarter of a million customers gets the first
/// `limit` without reading them all.
pub async fn birthdays(
    pool: &Pool,
    owners: Option<&[i64]>,
    from: NaiveDate,
    days: u32,
    limit: usize,
) -> Result<(Vec<Birthday>, usize), StoreError> {
    let window: Vec<NaiveDate> = (0..days.min(60)).map(|i| from + Duration::days(i64::from(i))).collect();
    if window.is_empty() || owners.is_some_and(|o| o.is_empty()) {
        return Ok((Vec::new(), 0));
    }
    // Each day's Gregorian key (MMDD, with 229 on the 28th of a year without a 29th) and its
    // lunar keys.
    let keys: Vec<(NaiveDate, Vec<u32>, Vec<String>)> = window
        .iter()
        .map(|d| {
            let mut solar = vec![d.month() * 100 + d.day()];
            if d.month() == 2 && d.day() == 28 && d.with_day(29).is_none() {
                solar.push(229);
            }
            (*d, solar, guanxi_domain::lunar::keys_of_day(*d))
        })
        .collect();
    let owned = match owners {
        Some(ids) => {
            format!(" AND c.owner_id IN ({})", ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", "))
        }
        None => String::new(),
    };
    // The six queries (three tables, two calendars) for the given keys, each condition the one
    // its index is on.
    let queries = |solar: &[u32], lunar: &[String]| -> Vec<String> {
        let solar_list = solar.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ");
        let lunar_list = if lunar.is_empty() {
            "''".to_string()
        } else {
            lunar.iter().map(|m| format!("'{m}'")).collect::<Vec<_>>().join(", ")
        };
        let by_calendar = |t: &str| {
            [
                format!(
                    "{t}.birthday IS NOT NULL AND {t}.birthday_lunar_md IS NULL AND {} IN ({solar_list})",
                    month_day(&format!("{t}.birthday"))
                ),
                format!("{t}.birthday_lunar_md IS NOT NULL AND {t}.birthday_lunar_md IN ({lunar_list})"),
            ]
        };
        let live = "c.deleted_at IS NULL AND c.merged_into_id IS NULL";
        let mut out = Vec::new();
        for cond in by_calendar("c") {
            out.push(format!(
                "SELECT 'customer' AS who, c.name AS name, c.birthday AS birthday, c.interests AS interests, \
                 c.preferences AS preferences, NULL AS extra, NULL AS of_key_person, c.id AS customer_id, \
                 c.name AS customer_name, c.birthday_lunar_md AS lunar FROM customers c WHERE {cond}{owned} AND {live}"
            ));
        }
        for cond in by_calendar("k") {
            out.push(format!(
                "SELECT 'key_person' AS who, k.name AS name, k.birthday AS birthday, k.interests AS interests, \
                 k.preferences AS preferences, k.job_title AS extra, NULL AS of_key_person, c.id AS customer_id, \
                 c.name AS customer_name, k.birthday_lunar_md AS lunar FROM key_people k \
                 CROSS JOIN customers c WHERE {cond} AND c.id = k.customer_id AND k.deleted_at IS NULL{owned} AND {live}"
            ));
        }
        for cond in by_calendar("p") {
            out.push(format!(
                "SELECT 'around' AS who, p.name AS name, p.birthday AS birthday, p.interests AS interests, \
                 p.preferences AS preferences, p.relation AS extra, k.name AS of_key_person, c.id AS customer_id, \
                 c.name AS customer_name, p.birthday_lunar_md AS lunar FROM people_around p \
                 CROSS JOIN customers c LEFT JOIN key_people k ON k.id = p.key_person_id \
                 WHERE {cond} AND c.id = p.customer_id AND p.deleted_at IS NULL{owned} AND {live}"
            ));
        }
        out
    };
    // How many in all, over the whole window.
    let all_solar: Vec<u32> = keys.iter().flat_map(|(_, s, _)| s.iter().copied()).collect();
    let all_lunar: Vec<String> = keys.iter().flat_map(|(_, _, l)| l.iter().cloned()).collect();
    let mut total = 0usize;
    for sql in queries(&all_solar, &all_lunar) {
        let n: i64 = sqlx::query(AssertSqlSafe(format!("SELECT COUNT(*) FROM ({sql}) AS x")))
            .fetch_one(pool)
            .await?
            .try_get(0)?;
        total += n as usize;
    }
    let mut out = Vec::new();
    for (on, solar, lunar) in &keys {
        let mut today_list = Vec::new();
        for sql in queries(solar, lunar) {
            let left = limit.saturating_sub(out.len() + today_list.len());
            if left == 0 {
                break;
            }
            for r in
                sqlx::query(AssertSqlSafe(format!("{sql} ORDER BY customer_id LIMIT {left}"))).fetch_all(pool).await?
            {
                let born: NaiveDate = r.try_get("birthday")?;
                let lunar: Option<String> = r.try_get("lunar")?;
                let who: String = r.try_get("who")?;
                let extra: Option<String> = r.try_get("extra")?;
                let celebrant = match who.as_str() {
                    "customer" => Celebrant::Customer,
                    "key_person" => Celebrant::KeyPerson { job_title: extra },
                    _ => {
                        let code = extra.unwrap_or_default();
                        Celebrant::Around {
                            relation: Relation::from_code(&code).ok_or_else(|| corrupt("relation", &code))?,
                            of_key_person: r.try_get("of_key_person")?,
                        }
                    }
                };
                today_list.push(Birthday {
                    on: *on,
                    name: r.try_get("name")?,
                    celebrant,
                    customer_id: r.try_get("customer_id")?,
                    customer_name: r.try_get("customer_name")?,
                    turns: (born.year() > 1900).then(|| guanxi_domain::lunar::turns(born, *on)),
                    lunar: lunar
                        .is_some()
                        .then(|| guanxi_domain::lunar::lunar_of(born))
                        .flatten()
                        .map(guanxi_domain::lunar::say),
                    interests: r.try_get("interests")?,
                    preferences: preferences_from(&r)?,
                });
            }
        }
        today_list.sort_by(|a, b| (a.customer_id, &a.name).cmp(&(b.customer_id, &b.name)));
        out.extend(today_list);
        if out.len() >= limit {
            break;
        }
    }
    Ok((out, total))
}
