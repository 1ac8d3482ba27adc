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
    /// Mark cookies Secure, name the session cookie __Host-gx_session and send HSTS (when users
    /// reach Guanxi over HTTPS through a proxy).
    #[arg(long, env = "GUANXI_SECURE_COOKIES")]
    secure_cookies: bool,
    /// The address users and customers reach Guanxi at, for links that leave it (survey links):
    /// https://crm.example.com. Saved as the company's setting (admins also set it on the Users
    /// page); until it is set, links name the address this server listens on.
    #[arg(long, env = "GUANXI_PUBLIC_URL")]
    public_url: Option<String>,
    /// Behind a reverse proxy: the header it puts the client's address in (X-Forwarded-For or
    /// X-Real-IP), for sign-in throttling and the audit log. Only set it behind a proxy.
    #[arg(long, env = "GUANXI_CLIENT_IP_HEADER")]
    client_ip_header: Option<String>,
    /// The largest upload (an import file, a deal's attachment), in MB.
    #[arg(long, env = "GUANXI_MAX_UPLOAD_MB", default_value_t = 20)]
    max_upload_mb: usize,
    /// Hours a session lasts without use.
    #[arg(long, env = "GUANXI_SESSION_IDLE_HOURS", default_value_t = 12)]
    session_idle_hours: i64,
    /// Days a session lasts at most, however busy.
    #[arg(long, env = "GUANXI_SESSION_DAYS", default_value_t = 7)]
    session_days: i64,
    /// The most connections served at once.
    #[arg(long, env = "GUANXI_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// The most rows an import through the browser may have (bigger files: guanxi import).
    #[arg(long, env = "GUANXI_IMPORT_MAX_ROWS", default_value_t = 100_000)]
    import_max_rows: usize,
    /// Customer records a user other than a manager or admin may read in an hour.
    #[arg(long, env = "GUANXI_READS_PER_HOUR", default_value_t = 5_000)]
    reads_per_hour: usize,
    /// Do not run background jobs in this process (another server runs them).
    #[arg(long, env = "GUANXI_NO_JOBS")]
    no_jobs: bool,
}

impl ServeArgs {
    fn config(&self, l: Lang) -> Result<guanxi_web::Config> {
        let bad = |what: &str| -> anyhow::Error {
            UserError(match l {
                Lang::ZhCn => format!("{what} 必须大于 0"),
                Lang::En => format!("{what} must be more than 0"),
            })
            .into()
        };
        if self.max_upload_mb == 0 {
            return Err(bad("--max-upload-mb"));
        }
        if self.session_idle_hours <= 0 {
            return Err(bad("--session-idle-hours"));
        }
        if self.session_days <= 0 {
            return Err(bad("--session-days"));
        }
        if self.max_connections == 0 {
            return Err(bad("--max-connections"));
        }
        if self.import_max_rows == 0 {
            return Err(bad("--import-max-rows"));
        }
        if let Some(u) = &self.public_url {
            guanxi_domain::values::parse_public_url(u)
                .map_err(|e| UserError(format!("--public-url: {}", e.message(l))))?;
        }
        let defaults = guanxi_web::Config::default();
        Ok(guanxi_web::Config {
            secure_cookies: self.secure_cookies,
            max_upload: self.max_upload_mb * 1024 * 1024,
            public_url: self.public_url.clone(),
            client_ip_header: self.client_ip_header.clone().filter(|h| !h.trim().is_empty()),
            sessions: guanxi_store::SessionPolicy {
                idle: chrono::Duration::hours(self.session_idle_hours),
                absolute: chrono::Duration::days(self.session_days),
                ..defaults.sessions
            },
            max_connections: self.max_connections,
            import_max_rows: self.import_max_rows,
            reads_per_hour: self.reads_per_hour,
            run_jobs: !self.no_jobs,
            ..defaults
        })
    }
}

pub async fn run(ctx: &Ctx, a: ServeArgs) -> Result<()> {
    let l = ctx.lang;
    let config = a.config(l)?;
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
                Lang::ZhCn => format!(
                    "已创建管理员账号（只显示这一次；首次登录后请设置自己的密码）：\n  用户名：{user}\n  密码：  {password}"
                ),
                Lang::En => format!(
                    "Created an admin account (shown only this once; you set your own password at the first sign-in):\n  username: {user}\n  password: {password}"
                ),
            }
        );
    }
    if a.demo {
        demo_sign_ins(ctx).await?;
    }
    // The public address is one setting in the database, shared by every server; the flag sets it.
    if let Some(u) = &a.public_url
        && ctx.store.public_url().await.map_err(|e| UserError(e.message(l)))?.as_deref()
            != guanxi_domain::values::parse_public_url(u).ok().as_deref()
    {
        ctx.store.save_public_url(ctx.actor, u).await.map_err(|e| UserError(e.message(l)))?;
    }
    let public_set = ctx.store.public_url().await.map_err(|e| UserError(e.message(l)))?;
    let host = if addr.ip().is_unspecified() { "127.0.0.1".to_string() } else { addr.ip().to_string() };
    println!("{} http://{host}:{}/", ctx.t("Guanxi 已启动：", "Guanxi is running at"), addr.port());
    println!("{}", ctx.t("按 Ctrl+C 停止。", "Press Ctrl+C to stop."));
    match &public_set {
        Some(u) => println!("{} {u}", ctx.t("发给客户的链接以此开头：", "Links sent to customers start with")),
        None => println!(
            "{}",
            ctx.t(
                "提示：发给客户的链接（满意度调查）会用上面的地址；客户从外面访问时，请管理员在“用户”页设置公开地址（或用 --public-url）。",
                "Note: links sent to customers (satisfaction surveys) use the address above; if customers reach Guanxi elsewhere, an admin sets the public address on the Users page (or use --public-url)."
            )
        ),
    }
    let server = guanxi_web::serve(listener, ctx.store.clone(), config);
    tokio::select! {
        r = server => r?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}

/// The demo colleagues a password each, the first time (issue #22: nobody could try Guanxi as
/// a sales rep or a manager), printed once like the admin's and to be changed at the first
/// sign-in. Colleagues who have a password already are left alone.
async fn demo_sign_ins(ctx: &Ctx) -> Result<()> {
    let l = ctx.lang;
    let mut lines = Vec::new();
    for (username, name, role, _) in crate::generate::DEMO_USERS {
        let Some(user) = ctx.store.user_by_username(username).await.map_err(|e| UserError(e.message(l)))? else {
            continue;
        };
        let has_password =
            ctx.store.credentials(username).await.map_err(|e| UserError(e.message(l)))?.and_then(|(_, h)| h).is_some();
        if !user.active || has_password {
            continue;
        }
        let password = guanxi_web::auth::generated_password().map_err(|e| UserError(e.message(l)))?;
        guanxi_web::set_password(&ctx.store, ctx.actor, username, &password, true)
            .await
            .map_err(|e| UserError(e.message(l)))?;
        lines.push(format!("  {username:<12} {password}  {name} · {}", role.label(l)));
    }
    if !lines.is_empty() {
        println!(
            "{}\n{}",
            ctx.t(
                "演示同事的账号（用来体验经理、销售、客服看到的 Guanxi；密码只显示这一次，首次登录后各自设置）：",
                "The demo colleagues' accounts (to try Guanxi as a manager, a sales rep or a service agent; passwords shown only this once, each sets their own at the first sign-in):"
            ),
            lines.join("\n")
        );
    }
    Ok(())
}
