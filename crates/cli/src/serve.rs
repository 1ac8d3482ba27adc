//! `guanxi serve`: the web app and the JSON API on one port.

use crate::{Ctx, UserError};
use anyhow::Result;
use guanxi_domain::Lang;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "GUANXI_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Fill an empty database with demo data first.
    #[arg(long)]
    demo: bool,
    /// How many demo customers (with --demo).
    #[arg(long, default_value_t = 2000)]
    demo_customers: usize,
    /// Mark cookies Secure (when users reach Guanxi over HTTPS through a proxy).
    #[arg(long, env = "GUANXI_SECURE_COOKIES")]
    secure_cookies: bool,
}

pub async fn run(ctx: &Ctx, a: ServeArgs) -> Result<()> {
    let l = ctx.lang;
    if a.demo {
        crate::demo::fill(ctx, a.demo_customers, 2026).await?;
        let (_, n) = ctx.store.assess_today(ctx.actor).await.map_err(|e| UserError(e.message(l)))?;
        ctx.store.recompute_standing(chrono::Utc::now()).await.map_err(|e| UserError(e.message(l)))?;
        if n > 0 {
            println!(
                "{}",
                match l {
                    Lang::ZhCn => format!("已评估 {n} 位客户的价值（层级、RFM、活跃概率、终身价值）"),
                    Lang::En => format!("assessed the value of {n} customers (tier, RFM, P(alive), lifetime value)"),
                }
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(&a.listen).await.map_err(|e| {
        UserError(match l {
            Lang::ZhCn => format!("无法监听 {}：{e}（换一个端口：--listen 127.0.0.1:8081）", a.listen),
            Lang::En => format!("cannot listen on {}: {e} (try another port: --listen 127.0.0.1:8081)", a.listen),
        })
    })?;
    let addr = listener.local_addr()?;
    if let Some((user, password)) = guanxi_web::ensure_admin(&ctx.store).await.map_err(|e| UserError(e.message(l)))? {
        println!(
            "{}",
            match l {
                Lang::ZhCn =>
                    format!("已创建管理员账号（只显示这一次，请记下）：\n  用户名：{user}\n  密码：  {password}"),
                Lang::En => format!(
                    "Created an admin account (shown only this once; write it down):\n  username: {user}\n  password: {password}"
                ),
            }
        );
    }
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    println!("{} http://{host}:{}/", ctx.t("Guanxi 已启动：", "Guanxi is running at"), addr.port());
    println!("{}", ctx.t("按 Ctrl+C 停止。", "Press Ctrl+C to stop."));
    let config = guanxi_web::Config { secure_cookies: a.secure_cookies, ..Default::default() };
    let server = guanxi_web::serve(listener, ctx.store.clone(), config);
    tokio::select! {
        r = server => r?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
