//! The referral part of a customer's page: who referred them and whom they referred, as lines
//! the referrals report shows too, and the form to record a referrer.

use super::form::{self, Input};
use crate::AppState;
use crate::error::AppError;
use crate::html::yuan;
use crate::i18n::T;
use guanxi_domain::{Field, Lang, Raw, Validation};
use guanxi_store::ReferralRecord;

pub const REFERRAL_FIELDS: &[Field] = &[
    Field::Referrer,
    Field::ReferrerPerson,
    Field::ReferredOn,
    Field::RewardKind,
    Field::Reward,
    Field::RewardValue,
    Field::Notes,
];

/// A referral as a line.
pub struct ReferralView {
    pub id: i64,
    pub referrer_id: i64,
    pub referrer: String,
    pub referred_id: i64,
    pub referred: String,
    pub on: String,
    pub reward: String,
    pub outcome: String,
}

impl ReferralView {
    pub fn new(r: &ReferralRecord, t: T) -> ReferralView {
        let lang = t.lang();
        let mut reward: Vec<String> = Vec::new();
        if let Some(k) = r.reward_kind {
            reward.push(k.label(lang).to_string());
        }
        if let Some(x) = &r.reward {
            reward.push(x.clone());
        }
        if let Some(f) = r.reward_fen {
            reward.push(yuan(f));
        }
        let outcome = if r.revenue_fen > 0 {
            match lang {
                Lang::ZhCn => format!("推荐以来购买 {}", yuan(r.revenue_fen)),
                Lang::En => format!("{} bought since", yuan(r.revenue_fen)),
            }
        } else {
            r.referred_status.label(lang).to_string()
        };
        ReferralView {
            id: r.id,
            referrer_id: r.referrer_id,
            referrer: match &r.referrer_person {
                Some(p) => format!("{}{}", r.referrer_name, crate::i18n::T(lang).aside(p)),
                None => r.referrer_name.clone(),
            },
            referred_id: r.referred_id,
            referred: r.referred_name.clone(),
            on: r.referred_on.to_string(),
            reward: reward.join(" · "),
            outcome,
        }
    }
}

/// The referral part of a customer's page.
pub struct ReferralPart {
    pub by: Option<ReferralView>,
    pub made: Vec<ReferralView>,
    pub inputs: Vec<Input>,
    pub open: bool,
    pub winback_case: Option<i64>,
}

pub async fn referral_part(
    state: &AppState,
    id: i64,
    failed: Option<&(Raw, Validation)>,
    t: T,
) -> Result<ReferralPart, AppError> {
    let (by, made) = state.store().referrals_of(id).await?;
    let (raw, err) = match failed {
        Some((r, e)) => (r.clone(), Some(e)),
        None => (Raw::new(), None),
    };
    Ok(ReferralPart {
        by: by.as_ref().map(|r| ReferralView::new(r, t)),
        made: made.iter().map(|r| ReferralView::new(r, t)).collect(),
        inputs: form::inputs(REFERRAL_FIELDS, &raw, err, t),
        open: failed.is_some(),
        winback_case: state.store().open_winback_case_of(id).await?,
    })
}
