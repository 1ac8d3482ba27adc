//! Data generators the demo and the benchmarks both draw from: a seeded random source, the
//! demo's users, the product categories and branches of generated orders, and search queries
//! taken from the stored customers. `demo`, `deals`, `relations`, `loadgen` and `bench` are all
//! above this module; it imports none of them.

use crate::{Ctx, store_err};
use anyhow::Result;
use guanxi_domain::Role;
use guanxi_domain::search::name_pinyin;
use guanxi_store::NewUser;

/// SplitMix64: small, fast, and the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Picks with a skew toward the front of the list (common surnames are common).
    pub fn pick_skewed<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let a = self.below(items.len());
        let b = self.below(items.len());
        &items[a.min(b)]
    }
}

/// The demo's users: a manager, three reps, a service agent.
pub(crate) const DEMO_USERS: &[(&str, &str, Role, &str)] = &[
    ("zhang.wei", "张伟", Role::Manager, "华北"),
    ("li.na", "李娜", Role::SalesRep, "华北"),
    ("wang.qiang", "王强", Role::SalesRep, "华东"),
    ("liu.yang", "刘洋", Role::SalesRep, "华南"),
    ("chen.jing", "陈静", Role::ServiceAgent, "客服中心"),
];

/// The demo's users (a manager, reps, a service agent), added if missing.
pub async fn ensure_users(ctx: &Ctx) -> Result<()> {
    let err = store_err(ctx.lang);
    for (username, name, role, team) in DEMO_USERS {
        if ctx.store.user_by_username(username).await.map_err(&err)?.is_none() {
            let u = NewUser {
                username: username.to_string(),
                display_name: name.to_string(),
                role: *role,
                team: Some(team.to_string()),
            };
            ctx.store.add_user(ctx.actor, &u).await.map_err(&err)?;
        }
    }
    Ok(())
}

/// Product categories of generated orders.
pub const CATEGORIES: &[&str] = &["咖啡", "茶饮", "烘焙", "办公设备", "软件服务", "耗材", "维保服务", "礼品"];

/// Branches of generated orders.
pub const BRANCHES: &[&str] = &["北京国贸店", "上海徐汇店", "杭州西湖店", "深圳南山店", "线上商城"];

/// Queries drawn from customers spread over the id range, a quarter of each kind: the start of
/// a Han name, pinyin, initials, a phone fragment.
pub async fn mixed_queries(ctx: &Ctx, n: usize, seed: u64, total: i64) -> Result<Vec<(String, &'static str)>> {
    let err = store_err(ctx.lang);
    let mut rng = Rng::new(seed);
    let mut qs: Vec<(String, &'static str)> = Vec::with_capacity(n);
    let sample = ctx.store.export_batch(0, 1).await.map_err(&err)?;
    let first = sample.first().map(|c| c.id).unwrap_or(1);
    while qs.len() < n {
        let after = first + rng.below(total as usize) as i64 - 1;
        let Some(c) = ctx.store.export_batch(after, 1).await.map_err(&err)?.into_iter().next() else {
            continue;
        };
        let name = &c.draft.name;
        let kind = qs.len() % 4;
        let q = match kind {
            0 => (name.chars().take(2).collect::<String>(), "han"),
            1 => (name_pinyin(name).chars().take(8).collect(), "pinyin"),
            2 => (
                guanxi_domain::search::spellings(&name.chars().take(3).collect::<String>(), true)
                    .first()
                    .map(|s| s.iter().filter_map(|p| p.chars().next()).collect())
                    .unwrap_or_else(|| "zs".to_string()),
                "initials",
            ),
            _ => match &c.draft.phone {
                Some(p) => {
                    let d = p.digits();
                    let at = rng.below(d.len().saturating_sub(4)).min(d.len().saturating_sub(4));
                    (d[at..at + 4].to_string(), "phone")
                }
                None => (name.clone(), "han"),
            },
        };
        qs.push(q);
    }
    Ok(qs)
}

/// How many customers the database holds, for a benchmark that measures them; an empty database
/// is refused in the user's language.
pub async fn customers_to_measure(ctx: &crate::Ctx) -> anyhow::Result<i64> {
    let n = ctx.store.count_customers().await.map_err(crate::store_err(ctx.lang))?;
    if n == 0 {
        return Err(crate::UserError(ctx.t("数据库里没有客户", "the database has no customers").into()).into());
    }
    Ok(n)
}
