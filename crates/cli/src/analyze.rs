//! `guanxi analyze`: fits the BG/NBD and Gamma-Gamma models on orders up to an as-of date and,
//! with a holdout date, compares their predictions with what happened after.

use crate::{Ctx, UserError, store_err};
use anyhow::Result;
use chrono::NaiveDate;
use guanxi_domain::Lang;
use guanxi_domain::value::{FitError, GammaGammaFit, HoldoutRow};

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// Fit on orders before the end of this day (China time), YYYY-MM-DD.
    #[arg(long)]
    as_of: String,
    /// The models' time unit: week or day (day resolution either way; weeks are fractional).
    /// Default: the value settings' unit.
    #[arg(long)]
    unit: Option<String>,
    /// Also compare predicted and actual purchases from --as-of to the end of this day.
    #[arg(long)]
    holdout_until: Option<String>,
    #[arg(long)]
    json: bool,
    /// Save every customer's tier, RFM, forecasts and lifetime value (shown on their page).
    #[arg(long)]
    save: bool,
    /// The margin rate of orders without a cost, 0–1 (1 = value by revenue). Default: the
    /// value settings' rate.
    #[arg(long)]
    margin_rate: Option<f64>,
}

fn parse_day(ctx: &Ctx, flag: &str, s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        UserError(match ctx.lang {
            Lang::ZhCn => format!("{flag} “{s}” 不是有效的日期（应为 YYYY-MM-DD）"),
            Lang::En => format!("{flag} {s:?} is not a valid date (YYYY-MM-DD)"),
        })
        .into()
    })
}

fn fit_error(l: Lang, e: FitError) -> UserError {
    UserError(match l {
        Lang::ZhCn => format!(
            "无法拟合 BG/NBD 模型：{}",
            match e {
                FitError::NoCustomers => "截至该日期没有订单".to_string(),
                FitError::NoRepeatPurchases => "没有任何客户复购，无法估计复购频率".to_string(),
                FitError::InvalidHistory(s) => format!("数据有误 {s}"),
            }
        ),
        Lang::En => format!("cannot fit the BG/NBD model: {e}"),
    })
}

pub async fn run(ctx: &Ctx, a: AnalyzeArgs) -> Result<()> {
    let l = ctx.lang;
    let as_of = parse_day(ctx, "--as-of", &a.as_of)?;
    // The company's value settings, with what the command line overrides.
    let settings = ctx.store.value_settings().await.map_err(store_err(l))?;
    let mut cfg = settings.config(as_of);
    let unit = match a.unit.as_deref().map(str::trim) {
        None => settings.unit.days(),
        Some("week" | "weeks" | "周") => 7.0,
        Some("day" | "days" | "天" | "日") => 1.0,
        Some(other) => {
            return Err(UserError(match l {
                Lang::ZhCn => format!("--unit “{other}” 无效，应为 week 或 day"),
                Lang::En => format!("--unit {other:?} is invalid; use week or day"),
            })
            .into());
        }
    };
    let holdout = a.holdout_until.as_deref().map(|s| parse_day(ctx, "--holdout-until", s)).transpose()?;
    if let Some(h) = holdout
        && h <= as_of
    {
        return Err(
            UserError(ctx.t("--holdout-until 应晚于 --as-of", "--holdout-until must be after --as-of").into()).into()
        );
    }
    if let Some(rate) = a.margin_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(UserError(
                ctx.t("--margin-rate 应在 0 到 1 之间", "--margin-rate must be between 0 and 1").into(),
            )
            .into());
        }
        cfg.margin_rate = rate;
    }
    cfg.unit_days = unit;
    cfg.period.holdout_until = holdout;
    let (assessment, mut report) = ctx.store.assess(&cfg).await.map_err(store_err(l))?;
    let Some(bg) = assessment.bg_nbd.clone() else {
        let e = if assessment.values.is_empty() {
            FitError::NoCustomers
        } else if assessment.repeat_buyers == 0 {
            FitError::NoRepeatPurchases
        } else {
            FitError::InvalidHistory(String::new())
        };
        return Err(fit_error(l, e).into());
    };
    let rows: Vec<HoldoutRow> =
        serde_json::from_value(report["holdout"]["by_calibration_purchases"].clone()).unwrap_or_default();
    if a.save {
        let run = ctx
            .store
            .save_assessment(ctx.actor, as_of, if unit == 7.0 { "week" } else { "day" }, &report, &assessment.values)
            .await
            .map_err(store_err(l))?;
        report["saved_run"] = serde_json::json!(run);
        report["saved_customers"] = serde_json::json!(assessment.values.len());
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if a.save {
        println!(
            "{}",
            match l {
                Lang::ZhCn =>
                    format!("已保存 {} 位客户的价值评估（第 {} 次）", assessment.values.len(), report["saved_run"]),
                Lang::En => format!(
                    "saved the value assessment of {} customers (run {})",
                    assessment.values.len(),
                    report["saved_run"]
                ),
            }
        );
    }
    let p = bg.params;
    let unit_name = if unit == 7.0 { ctx.t("周", "week") } else { ctx.t("天", "day") };
    println!("{}", ctx.t(&format!("截至 {as_of}（单位：{unit_name}）"), &format!("as of {as_of} (unit: {unit_name})")));
    let (customers, repeat) = (assessment.values.len(), &report["repeat_buyers"]);
    println!(
        "{}",
        ctx.t(
            &format!("客户 {customers}，复购客户 {repeat}"),
            &format!("customers {customers}, repeat buyers {repeat}")
        )
    );
    println!(
        "BG/NBD: r = {:.4}, α = {:.4}, a = {:.4}, b = {:.4}; log-likelihood = {:.3}",
        p.r, p.alpha, p.a, p.b, bg.log_likelihood
    );
    let spend = |label: &str, g: &GammaGammaFit| {
        println!(
            "Gamma-Gamma{label}: p = {:.4}, q = {:.4}, γ = {:.4}; log-likelihood = {:.3}; {}",
            g.params.p,
            g.params.q,
            g.params.gamma,
            g.log_likelihood,
            if g.params.q > 1.0 {
                format!(
                    "{} {:.2}",
                    ctx.t("平均每次消费（元）", "mean spend per purchase (yuan)"),
                    g.params.population_mean()
                )
            } else {
                ctx.t(
                    "q ≤ 1：各客户消费差异太大，总体平均消费无定义（复购客户仍有个人预期消费）",
                    "q ≤ 1: spend varies too much for a population mean (repeat buyers still get their own expected spend)",
                )
                .to_string()
            }
        )
    };
    for k in &assessment.gamma_gamma_by_kind {
        spend(&format!(" ({})", k.kind.label(l)), &k.fit);
    }
    match &assessment.gamma_gamma {
        Some(g) => spend(
            if assessment.gamma_gamma_by_kind.is_empty() {
                ""
            } else {
                ctx.t(" (其余客户合并拟合)", " (other customers, pooled)")
            },
            g,
        ),
        None if assessment.gamma_gamma_by_kind.is_empty() => println!(
            "Gamma-Gamma: {}",
            ctx.t("没有金额为正的复购客户，无法拟合", "no repeat buyers with a positive mean spend to fit on")
        ),
        None => {}
    }
    if !rows.is_empty() {
        println!(
            "{}",
            ctx.t(
                "校验期：按校准期购买次数，每位客户的预测与实际购买次数",
                "holdout: predicted vs actual purchases per customer, by calibration purchases"
            )
        );
        for r in &rows {
            println!(
                "  x={:<3} {:>7} {}  {} {:.3}  {} {:.3}",
                r.calibration_purchases,
                r.customers,
                ctx.t("位", "customers"),
                ctx.t("预测", "predicted"),
                r.predicted_mean,
                ctx.t("实际", "actual"),
                r.actual_mean
            );
        }
    }
    Ok(())
}
