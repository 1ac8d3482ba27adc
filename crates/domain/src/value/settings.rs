//! The company's value settings: how customers are tiered, what the models look at, which
//! customers the churn watch lists, how the key-account score weighs its parts, and how each
//! tier is approached and served (PRODUCT.md §3). Stored as JSON by the store; edited by admins
//! on the settings page and through the API, every field validated with a message naming it.

use super::assess::{AssessConfig, Basis, Period};
use super::nonmonetary::Weights;
use crate::enums::vocabulary;
use crate::{Field, Lang, Problem, Raw, Validation, ValueTier};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// A way of reaching a customer, from the most personal to the least.
    Approach {
        Visit = "visit", "登门拜访", "Visit", ["拜访"];
        Phone = "phone", "电话", "Phone", [];
        Introduction = "introduction", "熟人引荐", "Introduction", ["引荐", "介绍"];
        Event = "event", "活动邀请", "Event invitation", ["活动"];
        Letter = "letter", "信函", "Letter", ["信件"];
        Advertising = "advertising", "广告", "Advertising", [];
        Online = "online", "线上", "Online", ["网络", "网上"];
    }
}

vocabulary! {
    /// How a tier is served.
    ServiceLevel {
        Vip = "vip", "个性化 VIP 服务", "Personalized VIP service", ["VIP", "个性化"];
        Standard = "standard", "标准服务", "Standard service", ["标准"];
    }
}

vocabulary! {
    /// The value models' time unit (both read purchases at day resolution).
    TimeUnit {
        Week = "week", "周", "Week", ["weeks"];
        Day = "day", "天", "Day", ["days", "日"];
    }
}

impl TimeUnit {
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Week => 7.0,
            TimeUnit::Day => 1.0,
        }
    }
}

/// How one tier is approached and served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierRule {
    pub tier: ValueTier,
    pub approaches: Vec<Approach>,
    pub service: ServiceLevel,
    /// Visit a customer of this tier at least every this many days (0: no reminder). My day
    /// lists the customers whose last face-to-face contact is older.
    #[serde(default)]
    pub visit_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ValueSettings {
    pub unit: TimeUnit,
    /// ABC and RFM look at this many days up to the as-of date.
    pub window_days: i64,
    pub basis: Basis,
    /// A = the smallest set of customers making this share of the window's value; B the next
    /// `b_share`; C the rest.
    pub a_share: f64,
    pub b_share: f64,
    /// Below this window value a customer is 小客户 even in class C.
    pub small_below_fen: i64,
    /// The course's recipe: the top N by value are the big-customer candidates.
    pub top_n: usize,
    /// Projected CLV looks this many months ahead, discounted at `annual_rate`; realized
    /// margin is compounded at the same rate.
    pub horizon_months: u32,
    pub annual_rate: f64,
    /// The margin rate of revenue when no order has a cost (1 = value by revenue).
    pub margin_rate: f64,
    /// The churn watch lists key and major customers under this P(alive) …
    pub churn_below: f64,
    /// … and anyone whose last purchase is more than this many times their rhythm ago.
    pub overdue_factor: f64,
    /// The years a customer is expected to stay: what a lost customer would still have been
    /// worth (the win-back case's lifetime figure counts this many years ahead).
    pub lifetime_years: f64,
    pub weights: Weights,
    pub rules: Vec<TierRule>,
}

impl Default for ValueSettings {
    fn default() -> ValueSettings {
        let rule = |tier, approaches: &[Approach], service, visit_days| TierRule {
            tier,
            approaches: approaches.to_vec(),
            service,
            visit_days,
        };
        let high = [Approach::Visit, Approach::Phone, Approach::Introduction];
        let low = [Approach::Letter, Approach::Advertising, Approach::Online];
        ValueSettings {
            unit: TimeUnit::Week,
            window_days: 365,
            basis: Basis::Revenue,
            a_share: 0.8,
            b_share: 0.15,
            small_below_fen: 0,
            top_n: 50,
            horizon_months: 12,
            annual_rate: 0.10,
            margin_rate: 1.0,
            churn_below: 0.5,
            overdue_factor: 2.0,
            lifetime_years: default_lifetime_years(),
            weights: Weights::default(),
            rules: vec![
                rule(ValueTier::Key, &high, ServiceLevel::Vip, 30),
                rule(ValueTier::Major, &high, ServiceLevel::Vip, 60),
                rule(ValueTier::Regular, &low, ServiceLevel::Standard, 0),
                rule(ValueTier::Small, &low, ServiceLevel::Standard, 0),
            ],
        }
    }
}

fn default_lifetime_years() -> f64 {
    5.0
}

/// The form fields of each tier's approaches and service level.
pub const TIER_FIELDS: [(ValueTier, Field, Field); 4] = [
    (ValueTier::Key, Field::ApproachKey, Field::ServiceKey),
    (ValueTier::Major, Field::ApproachMajor, Field::ServiceMajor),
    (ValueTier::Regular, Field::ApproachRegular, Field::ServiceRegular),
    (ValueTier::Small, Field::ApproachSmall, Field::ServiceSmall),
];

/// The form field of each tier's visit interval.
pub const VISIT_FIELDS: [(ValueTier, Field); 4] = [
    (ValueTier::Key, Field::VisitKey),
    (ValueTier::Major, Field::VisitMajor),
    (ValueTier::Regular, Field::VisitRegular),
    (ValueTier::Small, Field::VisitSmall),
];

/// The weight fields, in the order of `Weights`.
pub const WEIGHT_FIELDS: [Field; 7] = [
    Field::WeightMonetary,
    Field::WeightLoyalty,
    Field::WeightStability,
    Field::WeightTolerance,
    Field::WeightFeedback,
    Field::WeightReferrals,
    Field::WeightCredit,
];

fn weights_list(w: &Weights) -> [f64; 7] {
    [w.monetary, w.loyalty, w.stability, w.tolerance, w.feedback, w.referrals, w.credit]
}

/// One of a vocabulary's values; an empty field is an error too (settings have no blanks).
fn choice<T: Copy>(
    v: &mut Validation,
    raw: &Raw,
    field: Field,
    parse: fn(&str) -> Option<T>,
    codes: &[&str],
) -> Option<T> {
    let got = v.take(crate::values::choice(field, raw.get(field), parse, codes)).flatten();
    if got.is_none() && raw.get(field).trim().is_empty() {
        v.push(field, "", Problem::Required);
    }
    got
}

/// A number as people type it: trims, accepts full-width digits and a trailing `%` or `元`.
fn number(v: &mut Validation, raw: &Raw, field: Field, min: f64, max: f64) -> Option<f64> {
    let typed = raw.get(field);
    let s: String = typed
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect();
    let s = s.trim_end_matches(['%', '％', '元']).trim().replace(',', "");
    if s.is_empty() {
        v.push(field, typed, Problem::Required);
        return None;
    }
    match s.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= min && x <= max => Some(x),
        Ok(x) if x.is_finite() => {
            v.push(field, typed, Problem::OutOfRange { min: trim_number(min), max: trim_number(max) });
            None
        }
        _ => {
            v.push(field, typed, Problem::NotANumber);
            None
        }
    }
}

/// 0.5 → "0.5", 80.0 → "80".
fn trim_number(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

impl ValueSettings {
    /// Every field of the settings form, in its order.
    pub fn fields() -> Vec<Field> {
        let mut f = vec![
            Field::WindowDays,
            Field::Basis,
            Field::AShare,
            Field::BShare,
            Field::SmallBelow,
            Field::TopN,
            Field::ValueUnit,
            Field::HorizonMonths,
            Field::AnnualRate,
            Field::MarginRate,
            Field::ChurnBelow,
            Field::OverdueFactor,
            Field::LifetimeYears,
        ];
        f.extend(WEIGHT_FIELDS);
        for (_, approach, service) in TIER_FIELDS {
            f.push(approach);
            f.push(service);
        }
        f.extend(VISIT_FIELDS.map(|(_, field)| field));
        f
    }

    /// The settings as form fields: shares, rates and thresholds in percent, money in yuan.
    pub fn to_fields(&self) -> Raw {
        let pct = |x: f64| trim_number(x * 100.0);
        let mut raw = Raw::new()
            .with(Field::ValueUnit, self.unit.code())
            .with(Field::WindowDays, self.window_days.to_string())
            .with(Field::Basis, self.basis.code())
            .with(Field::AShare, pct(self.a_share))
            .with(Field::BShare, pct(self.b_share))
            .with(Field::SmallBelow, crate::orders::format_money(self.small_below_fen))
            .with(Field::TopN, self.top_n.to_string())
            .with(Field::HorizonMonths, self.horizon_months.to_string())
            .with(Field::AnnualRate, pct(self.annual_rate))
            .with(Field::MarginRate, pct(self.margin_rate))
            .with(Field::ChurnBelow, pct(self.churn_below))
            .with(Field::OverdueFactor, trim_number(self.overdue_factor))
            .with(Field::LifetimeYears, trim_number(self.lifetime_years));
        for (field, w) in WEIGHT_FIELDS.iter().zip(weights_list(&self.weights)) {
            raw.set(*field, trim_number(w));
        }
        for (tier, approach, service) in TIER_FIELDS {
            let rule = self.rule(tier);
            raw.set(approach, rule.approaches.iter().map(|a| a.code()).collect::<Vec<_>>().join(","));
            raw.set(service, rule.service.code());
        }
        for (tier, field) in VISIT_FIELDS {
            raw.set(field, self.rule(tier).visit_days.to_string());
        }
        raw
    }

    /// Validates every field at once; the inverse of `to_fields`.
    pub fn parse(raw: &Raw) -> Result<ValueSettings, Validation> {
        let mut v = Validation::default();
        let unit = choice(&mut v, raw, Field::ValueUnit, TimeUnit::parse, &TimeUnit::codes());
        let basis = choice(&mut v, raw, Field::Basis, Basis::parse, &Basis::codes());
        let window = number(&mut v, raw, Field::WindowDays, 30.0, 3650.0);
        let a = number(&mut v, raw, Field::AShare, 50.0, 99.0);
        let b = number(&mut v, raw, Field::BShare, 0.0, 49.0);
        if let (Some(a), Some(b)) = (a, b)
            && a + b >= 100.0
        {
            v.push(
                Field::BShare,
                raw.get(Field::BShare),
                Problem::OutOfRange { min: "0".into(), max: trim_number(99.99 - a) },
            );
        }
        let small = match crate::orders::parse_money(Field::SmallBelow, raw.get(Field::SmallBelow)) {
            Ok(f) if f.unwrap_or(0) >= 0 => Some(f.unwrap_or(0)),
            Ok(_) => {
                v.push(Field::SmallBelow, raw.get(Field::SmallBelow), Problem::InvalidAmount);
                None
            }
            Err(e) => {
                v.0.push(e);
                None
            }
        };
        let top_n = number(&mut v, raw, Field::TopN, 1.0, 10_000.0);
        let horizon = number(&mut v, raw, Field::HorizonMonths, 1.0, 120.0);
        let rate = number(&mut v, raw, Field::AnnualRate, 0.0, 100.0);
        let margin = number(&mut v, raw, Field::MarginRate, 0.0, 100.0);
        let churn = number(&mut v, raw, Field::ChurnBelow, 1.0, 99.0);
        let overdue = number(&mut v, raw, Field::OverdueFactor, 1.0, 20.0);
        let lifetime = number(&mut v, raw, Field::LifetimeYears, 0.5, 50.0);
        let weights: Vec<Option<f64>> = WEIGHT_FIELDS.iter().map(|f| number(&mut v, raw, *f, 0.0, 100.0)).collect();
        if weights.first().copied().flatten() == Some(0.0) {
            v.push(
                Field::WeightMonetary,
                raw.get(Field::WeightMonetary),
                Problem::OutOfRange { min: "0.01".into(), max: "100".into() },
            );
        }
        let mut rules = Vec::new();
        for (tier, approach_field, service_field) in TIER_FIELDS {
            let typed = raw.get(approach_field);
            let mut approaches = Vec::new();
            for part in typed.split([',', '，', '、', ';', '；']).map(str::trim).filter(|s| !s.is_empty()) {
                match Approach::parse(part) {
                    Some(a) if !approaches.contains(&a) => approaches.push(a),
                    Some(_) => {}
                    None => v.push(
                        approach_field,
                        part,
                        Problem::UnknownChoice { allowed: Approach::codes().iter().map(|c| c.to_string()).collect() },
                    ),
                }
            }
            if approaches.is_empty() && typed.trim().is_empty() {
                v.push(approach_field, typed, Problem::Required);
            }
            let service = choice(&mut v, raw, service_field, ServiceLevel::parse, &ServiceLevel::codes());
            let visit_field = VISIT_FIELDS.iter().find(|(t, _)| *t == tier).map(|(_, f)| *f).unwrap_or(Field::VisitKey);
            // Settings saved before visit intervals had none: they keep the default.
            let visit = if raw.get(visit_field).trim().is_empty() {
                Some(ValueSettings::default().rule(tier).visit_days as f64)
            } else {
                number(&mut v, raw, visit_field, 0.0, 365.0)
            };
            if let (Some(service), Some(visit)) = (service, visit) {
                rules.push(TierRule { tier, approaches, service, visit_days: visit.round() as u32 });
            }
        }
        if !v.is_empty() {
            return Err(v);
        }
        let w = |i: usize| weights[i].unwrap_or(0.0);
        Ok(ValueSettings {
            unit: unit.unwrap_or(TimeUnit::Week),
            window_days: window.unwrap_or(365.0).round() as i64,
            basis: basis.unwrap_or(Basis::Revenue),
            a_share: a.unwrap_or(80.0) / 100.0,
            b_share: b.unwrap_or(15.0) / 100.0,
            small_below_fen: small.unwrap_or(0),
            top_n: top_n.unwrap_or(50.0).round() as usize,
            horizon_months: horizon.unwrap_or(12.0).round() as u32,
            annual_rate: rate.unwrap_or(10.0) / 100.0,
            margin_rate: margin.unwrap_or(100.0) / 100.0,
            churn_below: churn.unwrap_or(50.0) / 100.0,
            overdue_factor: overdue.unwrap_or(2.0),
            lifetime_years: lifetime.unwrap_or(default_lifetime_years()),
            weights: Weights {
                monetary: w(0),
                loyalty: w(1),
                stability: w(2),
                tolerance: w(3),
                feedback: w(4),
                referrals: w(5),
                credit: w(6),
            },
            rules,
        })
    }

    /// The rule for a tier (the default one if the stored settings lack it).
    pub fn rule(&self, tier: ValueTier) -> TierRule {
        self.rules
            .iter()
            .find(|r| r.tier == tier)
            .cloned()
            .or_else(|| ValueSettings::default().rules.into_iter().find(|r| r.tier == tier))
            .unwrap_or(TierRule { tier, approaches: Vec::new(), service: ServiceLevel::Standard, visit_days: 0 })
    }

    /// The assessment these settings call for, as of a day.
    pub fn config(&self, as_of: NaiveDate) -> AssessConfig {
        let mut cfg = AssessConfig::new(as_of);
        cfg.period =
            Period { as_of, window_days: self.window_days, annual_rate: self.annual_rate, holdout_until: None };
        cfg.unit_days = self.unit.days();
        cfg.basis = self.basis;
        cfg.a_share = self.a_share;
        cfg.b_share = self.b_share;
        cfg.small_below_fen = self.small_below_fen;
        cfg.periods = self.horizon_months;
        cfg.margin_rate = self.margin_rate;
        cfg.weights = self.weights;
        cfg.top_n = self.top_n;
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_round_trip_through_the_form() {
        let s = ValueSettings::default();
        assert_eq!(ValueSettings::parse(&s.to_fields()), Ok(s.clone()));
        let mut listed = ValueSettings::fields();
        let mut filled: Vec<Field> = s.to_fields().0.iter().map(|(f, _)| *f).collect();
        listed.sort();
        filled.sort();
        assert_eq!(listed, filled, "the form lists every field");
        let cfg = s.config(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        assert_eq!(cfg, AssessConfig::new(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()));
        // Old stored settings without newer fields take the defaults for them.
        let stored: ValueSettings = serde_json::from_str(r#"{"window_days": 180}"#).unwrap();
        assert_eq!((stored.window_days, stored.top_n), (180, 50));
    }

    #[test]
    fn every_bad_field_is_named() {
        let raw = ValueSettings::default()
            .to_fields()
            .with(Field::WindowDays, "七天")
            .with(Field::AShare, "90")
            .with(Field::BShare, "15")
            .with(Field::AnnualRate, "250%")
            .with(Field::ApproachKey, "visit, 飞鸽传书")
            .with(Field::ServiceSmall, "gold")
            .with(Field::SmallBelow, "-5")
            .with(Field::ValueUnit, "");
        let e = ValueSettings::parse(&raw).unwrap_err();
        let fields: Vec<Field> = e.0.iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                Field::ValueUnit,
                Field::WindowDays,
                Field::BShare,
                Field::SmallBelow,
                Field::AnnualRate,
                Field::ApproachKey,
                Field::ServiceSmall
            ]
        );
        let msg = e.0[4].message(crate::Lang::ZhCn);
        assert!(msg.contains("年折现率") && msg.contains("250%") && msg.contains("0 到 100"), "{msg}");
        assert_eq!(e.0[5].value, "飞鸽传书");
    }

    #[test]
    fn people_type_numbers_their_way() {
        let raw = ValueSettings::default()
            .to_fields()
            .with(Field::AShare, "７５％")
            .with(Field::SmallBelow, "1,000")
            .with(Field::ApproachSmall, "信函、线上")
            .with(Field::Basis, "毛利");
        let s = ValueSettings::parse(&raw).unwrap();
        assert_eq!(s.a_share, 0.75);
        assert_eq!(s.small_below_fen, 100_000);
        assert_eq!(s.rule(ValueTier::Small).approaches, [Approach::Letter, Approach::Online]);
        assert_eq!(s.basis, Basis::Margin);
    }
}
