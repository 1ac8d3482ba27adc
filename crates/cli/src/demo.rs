//! `guanxi demo`: a realistic, deterministic Chinese data set — individuals and organizations
//! across industries and cities, key people with decision-chain roles and preferences, people
//! around them, and two years of interactions. The same seed always gives the same data.

use crate::generate::{BRANCHES, CATEGORIES, DEMO_USERS, Rng, ensure_users};
use crate::{Ctx, UserError, store_err};
use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use clap::Args;
use guanxi_domain::search::name_pinyin;
use guanxi_domain::*;
use guanxi_store::{Actor, today_in_china};

#[derive(Args)]
pub struct DemoArgs {
    /// How many customers to write.
    #[arg(long, default_value_t = 1000)]
    customers: usize,
    /// The seed: the same seed gives the same data.
    #[arg(long, default_value_t = 2026)]
    seed: u64,
    /// Write the customers as a CSV file (for imports and benchmarks) instead of the database.
    #[arg(long)]
    pub csv: Option<std::path::PathBuf>,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于",
    "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆",
    "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "付", "方", "白", "邹", "孟", "熊", "秦", "邱", "江", "尹", "薛",
    "闫", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "覃", "武",
    "戴", "莫", "孔", "单", "解", "欧阳", "司马", "上官", "诸葛",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "玲", "鹏", "宇", "浩", "晨", "欣", "怡", "佳", "琳", "雪",
    "婷", "博", "俊", "峰", "凯", "慧", "颖", "倩", "亮", "林", "斌", "波", "宁", "思", "晓", "天", "子", "梓", "涵",
    "轩", "睿", "乐",
];
/// City, its telephone area code, its districts.
const CITIES: &[(&str, &str, &[&str])] = &[
    ("北京", "010", &["朝阳区", "海淀区", "东城区", "西城区", "丰台区"]),
    ("上海", "021", &["浦东新区", "徐汇区", "静安区", "黄浦区", "长宁区"]),
    ("广州", "020", &["天河区", "越秀区", "海珠区", "番禺区"]),
    ("深圳", "0755", &["南山区", "福田区", "罗湖区", "宝安区"]),
    ("杭州", "0571", &["西湖区", "滨江区", "上城区", "余杭区"]),
    ("成都", "028", &["锦江区", "武侯区", "高新区", "青羊区"]),
    ("武汉", "027", &["江汉区", "武昌区", "洪山区"]),
    ("南京", "025", &["鼓楼区", "玄武区", "建邺区"]),
    ("西安", "029", &["雁塔区", "碑林区", "未央区"]),
    ("重庆", "023", &["渝中区", "江北区", "南岸区"]),
    ("天津", "022", &["和平区", "河西区", "南开区"]),
    ("苏州", "0512", &["姑苏区", "工业园区", "吴中区"]),
    ("长沙", "0731", &["岳麓区", "芙蓉区", "天心区"]),
    ("厦门", "0592", &["思明区", "湖里区"]),
];
const ROADS: &[&str] =
    &["人民路", "建设路", "中山路", "解放路", "长江路", "和平路", "科技路", "学府路", "滨江大道", "新华街"];
const BRANDS: &[&str] = &[
    "华信", "中联", "远景", "恒达", "瑞丰", "天宇", "金桥", "宏图", "鼎盛", "汇通", "新元", "博雅", "安泰", "永信",
    "长虹", "明德", "启航", "众诚", "嘉禾", "海纳", "蓝海", "星辰", "国泰", "盛世", "和畅", "开元", "正大", "创维",
    "云帆", "领航",
];
const INDUSTRIES: &[(&str, &str)] = &[
    ("通信", "通信技术"),
    ("制造", "机械制造"),
    ("零售", "商贸"),
    ("金融", "投资管理"),
    ("教育", "教育科技"),
    ("医疗", "医疗器械"),
    ("物流", "物流"),
    ("餐饮", "餐饮管理"),
    ("房地产", "置业"),
    ("互联网", "网络科技"),
    ("能源", "新能源"),
    ("政府机构", "信息中心"),
];
const SUFFIXES: &[&str] = &["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"];
const TITLES_IND: &[&str] =
    &["经理", "主管", "工程师", "教师", "医生", "设计师", "会计", "律师", "店长", "自由职业", "公务员", "销售总监"];
const SOURCES: &[&str] =
    &["门店到访", "朋友推荐", "展会", "官网", "电话营销", "老客户转介绍", "微信公众号", "行业协会"];
const TAGS: &[&str] = &["VIP", "老客户", "常客", "高潜力", "价格敏感", "决策链复杂", "生日关怀", "需回访"];
const MOTIVES: &[&str] = &["看重品质", "追求性价比", "讲究面子", "图方便省时", "注重服务体验", "喜欢尝新"];
const PERSONALITY: &[&str] = &["外向健谈", "严谨细致", "爽快果断", "慢热谨慎", "热情好客", "注重细节"];
const BELIEFS: &[&str] = &["相信口碑", "相信大品牌", "信任老朋友的推荐", "重视长期合作"];
const ATTITUDES: &[&str] = &["对我们印象很好", "比较中立", "曾有过不满，已化解", "对价格比较敏感"];
const FAMILY: &[&str] =
    &["已婚，一子（8岁）", "已婚，一女（上大学）", "未婚", "已婚，两个孩子", "已婚，丁克", "与父母同住"];
const INTERESTS: &[&str] = &["高尔夫", "钓鱼", "书法", "茶道", "跑步", "摄影", "旅游", "围棋", "红酒", "读书"];
const PREFS: &[(&str, &[&str])] = &[
    ("座位", &["角落", "靠窗", "吧台", "包间"]),
    ("饮品", &["冰摩卡，两块糖，两块冰", "热拿铁，少糖", "美式，不加奶", "龙井", "普洱", "柠檬水"]),
    ("靠垫", &["腰靠", "不需要"]),
    ("称呼", &["王姐", "李总", "张老师", "刘哥", "陈工"]),
    ("联系时间", &["工作日上午", "晚上 8 点后", "周末下午", "不要午休时打电话"]),
    ("礼品", &["茶叶", "红酒", "书", "鲜花", "本地特产"]),
];
const KP_ROLES: &[(&str, DecisionRole)] = &[
    ("总经理", DecisionRole::DecisionMaker),
    ("副总裁", DecisionRole::DecisionMaker),
    ("采购经理", DecisionRole::Purchaser),
    ("技术总监", DecisionRole::TechnicalEvaluator),
    ("IT 主管", DecisionRole::TechnicalEvaluator),
    ("财务总监", DecisionRole::Influencer),
    ("行政主管", DecisionRole::User),
    ("项目经理", DecisionRole::User),
];
const DEPARTMENTS: &[&str] = &["总经办", "采购部", "技术部", "财务部", "行政部", "信息中心"];
const SUMMARIES: &[&str] = &[
    "介绍了新品，客户很感兴趣",
    "了解客户今年的采购计划",
    "客户反馈上次交付有延迟，已致歉并说明改进措施",
    "邀请参加下月的产品发布会",
    "客户询价，已发报价单",
    "回访使用情况，客户总体满意",
    "客户提出了两条改进建议",
    "节日问候，送上小礼品",
    "讨论合同续签条款",
    "客户生日，发送祝福",
    "确认上门演示的时间",
    "客户投诉服务响应慢，已升级处理",
];
const NEXT_STEPS: &[&str] = &["发送报价", "安排技术交流", "寄送样品", "一周后回访", "准备合同草稿", "邀请到店体验"];
const REPS: &[&str] = &["li.na", "wang.qiang", "liu.yang", "zhang.wei"];
const MOBILE_PREFIXES: &[&str] = &[
    "138", "139", "137", "135", "136", "150", "151", "152", "158", "159", "186", "187", "188", "189", "177", "180",
    "181", "133", "153", "199",
];

fn person_name(r: &mut Rng) -> String {
    let mut n = r.pick_skewed(SURNAMES).to_string();
    for _ in 0..if r.chance(0.6) { 2 } else { 1 } {
        let given: &&str = r.pick(GIVEN);
        n.push_str(given);
    }
    n
}

/// A unique mobile for customer `i`: the suffix is a bijection of `i`, so no two collide.
fn mobile(i: u64, salt: u64) -> String {
    let prefix = MOBILE_PREFIXES[(i % MOBILE_PREFIXES.len() as u64) as usize];
    let n = (i / MOBILE_PREFIXES.len() as u64 + salt) % 100_000_000;
    let suffix = (n * 48_271 + 12_345) % 100_000_000;
    format!("{prefix}{suffix:08}")
}

fn date_between(r: &mut Rng, from: NaiveDate, days: i64) -> NaiveDate {
    from + Duration::days(r.below(days as usize) as i64)
}

fn org_name(r: &mut Rng, city: &str) -> (String, &'static str) {
    let (industry, word) = *r.pick(INDUSTRIES);
    (format!("{city}{}{word}{}", r.pick(BRANDS), r.pick(SUFFIXES)), industry)
}

/// One customer as the fields a form or a spreadsheet would give.
pub fn customer_fields(r: &mut Rng, i: u64) -> Raw {
    let (city, area_code, districts) = *r.pick(CITIES);
    let mut raw = Raw::new();
    let org = r.chance(0.3);
    raw.set(Field::City, city);
    raw.set(Field::Address, format!("{city}{}{}{}号", r.pick(districts), r.pick(ROADS), 1 + r.below(300)));
    raw.set(Field::Status, *r.pick(&["prospect", "customer", "customer", "customer", "lost", "prospect"]));
    raw.set(Field::Source, *r.pick(SOURCES));
    raw.set(Field::Owner, *r.pick(REPS));
    raw.set(Field::NeedsOrientation, *r.pick(&["price", "value", "composite"]));
    raw.set(Field::ExternalId, format!("D{:07}", i + 1));
    let tags: Vec<&str> = TAGS.iter().filter(|_| r.chance(0.12)).copied().collect();
    raw.set(Field::Tags, tags.join(", "));
    if org {
        let (name, industry) = org_name(r, city);
        raw.set(Field::Kind, "organization");
        raw.set(Field::Name, name);
        raw.set(Field::Industry, industry);
        raw.set(
            Field::Purpose,
            if industry == "政府机构" { "public_interest" } else { *r.pick(&["consumer", "intermediary"]) },
        );
        raw.set(Field::Phone, format!("{area_code}-{}", 60_000_000 + (i * 7_919) % 30_000_000));
        raw.set(
            Field::FoundedOn,
            date_between(r, NaiveDate::from_ymd_opt(1990, 1, 1).unwrap_or_default(), 11_000).to_string(),
        );
        raw.set(Field::Size, *r.pick(&["micro", "small", "medium", "large"]));
        raw.set(Field::CreditRating, *r.pick(&["aaa", "aa", "a", "b", "c"]));
        raw.set(Field::Closeness, *r.pick(&["close", "normal", "distant"]));
        raw.set(Field::TradingTerms, *r.pick(&["月结 30 天", "预付 30%，货到付款", "季度结算", "款到发货"]));
        raw.set(Field::SalesCapacity, *r.pick(&["全国 20 个销售网点", "华东区域经销", "以直销为主", "线上渠道占七成"]));
        raw.set(Field::BusinessResults, format!("去年营收约 {} 亿元", 1 + r.below(80)));
        raw.set(Field::Potential, *r.pick(&["高", "中", "低"]));
        raw.set(Field::Prospects, *r.pick(&["计划明年扩产", "正在数字化转型", "业务收缩，谨慎采购", "新开华南市场"]));
    } else {
        let name = person_name(r);
        let py = name_pinyin(&name);
        raw.set(Field::Kind, "individual");
        raw.set(Field::Purpose, "consumer");
        raw.set(Field::Gender, *r.pick(&["male", "female"]));
        raw.set(Field::Phone, mobile(i, 0));
        if r.chance(0.4) {
            raw.set(
                Field::Email,
                format!(
                    "{py}{}@{}",
                    i % 1000,
                    r.pick(&[
                        "qq.example.com",
                        "163.example.com",
                        "126.example.com",
                        "sina.example.com",
                        "outlook.example.com"
                    ])
                ),
            );
        }
        if r.chance(0.5) {
            raw.set(Field::Wechat, format!("wx_{py}{}", i % 10_000));
        }
        let born = date_between(r, NaiveDate::from_ymd_opt(1958, 1, 1).unwrap_or_default(), 16_000);
        // One customer in five keeps the birthday by the lunar calendar (农历), as many do.
        let lunar = if i.is_multiple_of(5) { guanxi_domain::lunar::write(born) } else { None };
        raw.set(Field::Birthday, lunar.unwrap_or_else(|| born.to_string()));
        if r.chance(0.6) {
            let (company, _) = org_name(r, city);
            raw.set(Field::Employer, company);
            raw.set(Field::JobTitle, *r.pick(TITLES_IND));
        }
        raw.set(Field::Family, *r.pick(FAMILY));
        raw.set(Field::Motives, *r.pick(MOTIVES));
        raw.set(Field::Personality, *r.pick(PERSONALITY));
        if r.chance(0.5) {
            raw.set(Field::Beliefs, *r.pick(BELIEFS));
            raw.set(Field::Attitudes, *r.pick(ATTITUDES));
        }
        raw.set(Field::Interests, *r.pick(INTERESTS));
        raw.set(Field::Name, name);
        if r.chance(0.45) {
            raw.set(Field::Preferences, preferences(r));
        }
    }
    raw
}

fn preferences(r: &mut Rng) -> String {
    let mut items = Vec::new();
    for (cat, values) in PREFS {
        if r.chance(0.45) {
            items.push(format!("{cat}: {}", r.pick(values)));
        }
    }
    if items.is_empty() {
        items.push(format!("饮品: {}", r.pick(PREFS[1].1)));
    }
    items.join("; ")
}

/// `guanxi demo --csv FILE`: the customers only, as an import file.
pub fn write_csv(a: &DemoArgs, l: Lang) -> Result<()> {
    let Some(path) = &a.csv else { return Ok(()) };
    if a.customers == 0 || a.customers > 5_000_000 {
        return Err(UserError(
            l.pick("--customers 应在 1 到 5,000,000 之间", "--customers must be between 1 and 5,000,000").into(),
        )
        .into());
    }
    let today = today_in_china();
    let mut r = Rng::new(a.seed);
    let file = std::fs::File::create(path).with_context(|| path.display().to_string())?;
    let mut w = guanxi_transfer::CsvExport::new(std::io::BufWriter::new(file), l)?;
    for i in 0..a.customers as u64 {
        let raw = customer_fields(&mut r, i);
        let draft = CustomerDraft::parse(&raw, today).map_err(|v| anyhow::anyhow!("demo row {i}: {v}"))?;
        w.write(i as i64 + 1, &draft)?;
    }
    w.finish()?;
    eprintln!("{} {} → {}", l.pick("已生成演示客户", "wrote demo customers"), a.customers, path.display());
    Ok(())
}

pub async fn run(ctx: &Ctx, a: DemoArgs) -> Result<()> {
    fill(ctx, a.customers, a.seed).await
}

/// Writes `customers` demo customers (and users, people, interactions) into an empty archive.
pub async fn fill(ctx: &Ctx, customers: usize, seed: u64) -> Result<()> {
    let a = DemoArgs { customers, seed, csv: None };
    let l = ctx.lang;
    if a.customers == 0 || a.customers > 5_000_000 {
        return Err(UserError(
            ctx.t("--customers 应在 1 到 5,000,000 之间", "--customers must be between 1 and 5,000,000").into(),
        )
        .into());
    }
    let today = today_in_china();
    let mut r = Rng::new(a.seed);
    let err = store_err(l);
    let existing = ctx.store.count_customers().await.map_err(&err)?;
    if existing > 0 {
        // Running the README's command twice must not pile demo data onto the first run's.
        println!(
            "{}",
            match l {
                Lang::ZhCn => format!(
                    "数据库里已有 {existing} 位客户，没有再写入演示数据（要重新生成，请换一个 --database 文件）"
                ),
                Lang::En => format!(
                    "the database already has {existing} customers; no demo data written (use another --database file to start over)"
                ),
            }
        );
        return Ok(());
    }
    ensure_users(ctx).await?;
    // Customers go in through the import path: all of them or none.
    let mut session = ctx.store.begin_import(ctx.actor, "guanxi demo").await.map_err(&err)?;
    let mut batch = Vec::new();
    let mut individuals: Vec<(String, String, String)> = Vec::new();
    for i in 0..a.customers as u64 {
        let raw = customer_fields(&mut r, i);
        let draft = CustomerDraft::parse(&raw, today).map_err(|v| anyhow::anyhow!("demo row {i}: {v}"))?;
        if draft.kind == CustomerKind::Individual {
            individuals.push((draft.name.clone(), raw.get(Field::Phone).to_string(), raw.get(Field::City).to_string()));
        }
        batch.push(ImportRow {
            id: None,
            line: i as usize + 2,
            draft,
            kind_given: true,
            status_given: true,
            force_new: false,
            prepared: None,
        });
        if batch.len() == 2_000 {
            session.write(std::mem::take(&mut batch)).await.map_err(&err)?;
        }
    }
    session.write(batch).await.map_err(&err)?;
    let outcome = session.commit().await.map_err(&err)?;
    // About one customer in fifty is typed in again at a store, under the same phone or a
    // homophone name in the same city: the dirty data `guanxi dedupe` exists for.
    let mut typed_again = 0;
    for _ in 0..a.customers / 50 {
        let (name, phone, city) = individuals[r.below(individuals.len())].clone();
        let mut chars: Vec<char> = name.chars().collect();
        if let Some(last) = chars.last_mut() {
            *last = *r.pick(&['叁', '伟', '玮', '丽', '立']);
        }
        let mut raw = Raw::new()
            .with(Field::Name, chars.into_iter().collect::<String>())
            .with(Field::City, city)
            .with(Field::Notes, "门店登记");
        if r.chance(0.5) {
            raw.set(Field::Phone, phone);
        }
        let d = CustomerDraft::parse(&raw, today).map_err(|v| anyhow::anyhow!("demo duplicate: {v}"))?;
        ctx.store.create_customer(ctx.actor, &d).await.map_err(&err)?;
        typed_again += 1;
    }

    let users = ctx.store.users().await.map_err(&err)?;
    let user_id = |name: &str| users.iter().find(|u| u.username == name).map(|u| Actor(u.id)).unwrap_or(ctx.actor);
    let start = Utc.from_utc_datetime(&(today - Duration::days(730)).and_hms_opt(9, 0, 0).unwrap_or_default());
    let mut contacts = 0usize;
    let mut people = 0usize;
    let mut orders: Vec<(usize, orders::OrderDraft)> = Vec::new();
    let mut deal_customers: Vec<i64> = Vec::new();
    let now = Utc::now();
    let mut after = 0;
    let mut logged: std::collections::BTreeMap<String, Vec<(i64, InteractionDraft)>> = Default::default();
    loop {
        let batch = ctx.store.export_batch(after, 1_000).await.map_err(&err)?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for c in &batch {
            // Organizations are where most deals are.
            deal_customers.push(c.id);
            if c.draft.kind == CustomerKind::Organization {
                deal_customers.extend([c.id, c.id]);
            }
            let owner = c.draft.owner.clone().unwrap_or_else(|| "li.na".into());
            let mut their: Vec<String> = Vec::new();
            if c.draft.kind == CustomerKind::Organization {
                for _ in 0..2 + r.below(3) {
                    let (title, role) = *r.pick(KP_ROLES);
                    let name = person_name(&mut r);
                    let kp = Raw::new()
                        .with(Field::Name, name.clone())
                        .with(Field::JobTitle, title)
                        .with(Field::Department, *r.pick(DEPARTMENTS))
                        .with(Field::DecisionRole, role.code())
                        .with(Field::Attitude, *r.pick(&["supporter", "supporter", "neutral", "neutral", "opponent"]))
                        .with(Field::Gender, *r.pick(&["male", "female"]))
                        .with(Field::Phone, mobile(c.id as u64, 37_000_000 + people as u64))
                        .with(
                            Field::Birthday,
                            date_between(&mut r, NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default(), 12_000)
                                .to_string(),
                        )
                        .with(Field::Personality, *r.pick(PERSONALITY))
                        .with(Field::Interests, *r.pick(INTERESTS))
                        .with(Field::Preferences, preferences(&mut r));
                    let kp = KeyPersonDraft::parse(&kp, today).map_err(|v| anyhow::anyhow!("demo key person: {v}"))?;
                    let kp_id = ctx.store.add_key_person(user_id(&owner), c.id, &kp).await.map_err(&err)?;
                    people += 1;
                    their.push(name);
                    if r.chance(0.35) {
                        let around = Raw::new()
                            .with(Field::Name, person_name(&mut r))
                            .with(Field::Relation, *r.pick(&["spouse", "child", "assistant", "superior", "friend"]))
                            .with(Field::Interests, *r.pick(INTERESTS))
                            .with(Field::Preferences, preferences(&mut r));
                        let d = PersonAroundDraft::parse(&around, today)
                            .map_err(|v| anyhow::anyhow!("demo person around: {v}"))?;
                        ctx.store.add_person_around(user_id(&owner), c.id, Some(kp_id), &d).await.map_err(&err)?;
                    }
                }
            } else if r.chance(0.2) {
                let around = Raw::new()
                    .with(Field::Name, person_name(&mut r))
                    .with(Field::Relation, *r.pick(&["spouse", "child", "parent", "friend"]))
                    .with(Field::Preferences, preferences(&mut r));
                let d =
                    PersonAroundDraft::parse(&around, today).map_err(|v| anyhow::anyhow!("demo person around: {v}"))?;
                ctx.store.add_person_around(user_id(&owner), c.id, None, &d).await.map_err(&err)?;
            }
            demo_orders(&mut r, c, start, now, &mut orders);
            let channels: &[&str] = if c.draft.kind == CustomerKind::Organization {
                &["face_to_face", "face_to_face", "phone", "phone", "email", "event", "wechat_sms"]
            } else {
                &["store_environment", "phone", "wechat_sms", "wechat_sms", "face_to_face", "letter", "website"]
            };
            for _ in 0..r.below(9) {
                let at = start + Duration::minutes(r.below(729 * 24 * 60) as i64);
                let mut raw = Raw::new()
                    .with(Field::Channel, *r.pick(channels))
                    .with(Field::Direction, *r.pick(&["inbound", "outbound", "outbound"]))
                    .with(Field::OccurredAt, at.to_rfc3339())
                    .with(Field::Summary, *r.pick(SUMMARIES))
                    .with(Field::OurParticipants, owner.clone());
                if r.chance(0.5) {
                    raw.set(Field::NextStep, *r.pick(NEXT_STEPS));
                }
                if !their.is_empty() {
                    raw.set(Field::TheirParticipants, r.pick(&their).clone());
                }
                let reached_out = raw.get(Field::Direction) == "outbound"
                    && matches!(raw.get(Field::Channel), "phone" | "wechat_sms");
                if reached_out {
                    raw.set(Field::Response, if r.chance(0.8) { "answered" } else { "no_answer" });
                }
                let feedback = r.unit();
                if feedback < 0.06 {
                    raw.set(Field::Feedback, "criticism");
                } else if feedback < 0.09 {
                    raw.set(Field::Feedback, "complaint");
                } else if feedback < 0.13 {
                    raw.set(Field::Feedback, "praise");
                }
                let d = InteractionDraft::parse(&raw, Utc::now(), 8)
                    .map_err(|v| anyhow::anyhow!("demo interaction: {v}"))?;
                logged.entry(owner.clone()).or_default().push((c.id, d));
                contacts += 1;
            }
        }
        // Each owner's contacts go in as theirs, a batch of customers at a time.
        for (owner, rows) in std::mem::take(&mut logged) {
            ctx.store.import_interactions(user_id(&owner), "guanxi demo", &rows).await.map_err(&err)?;
        }
    }
    let order_count = orders.len();
    for chunk in orders.chunks(5_000) {
        ctx.store.import_orders(ctx.actor, "guanxi demo", chunk, false).await.map_err(&err)?;
    }
    // A year of deals, a tenth as many as customers, for the board and the sales reports.
    let owners: Vec<i64> = REPS.iter().map(|name| user_id(name).0).collect();
    let plan = crate::deals::Plan {
        customers: &deal_customers,
        owners: &owners,
        deals: (a.customers / 10).max(1),
        span_days: 365,
        until: now,
        detours: 0.3,
    };
    let deals = if deal_customers.is_empty() { Vec::new() } else { crate::deals::simulate(&mut r, &plan) };
    let deal_count = deals.len();
    for chunk in deals.chunks(2_000) {
        ctx.store.import_deals(ctx.actor, "guanxi demo", chunk).await.map_err(&err)?;
    }
    let buyers: Vec<i64> = {
        let mut ids: Vec<i64> = orders
            .iter()
            .filter_map(|(_, o)| match o.customer {
                orders::CustomerRef::Id(id) => Some(id),
                _ => None,
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let organizations: Vec<i64> = {
        let mut ids = deal_customers.clone();
        ids.sort_unstable();
        let mut orgs: Vec<i64> = ids.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
        orgs.dedup();
        orgs
    };
    let relations = crate::relations::fill(ctx, &mut r, &buyers, &organizations).await?;
    let tasks = crate::demo_tasks::fill(ctx, &mut r, today_in_china()).await?;
    let in_cadence = crate::demo_cadences::fill(ctx, &mut r).await?;
    println!(
        "{}",
        match l {
            Lang::ZhCn => format!(
                "演示数据已写入：{} 位客户（其中 {typed_again} 位是重复录入，可在“查重合并”页面合并），{people} 位关键人物，{contacts} 条互动记录，{order_count} 笔订单，{deal_count} 个商机，{relations}，{tasks} 条待办，{in_cadence} 位客户在跟进节奏中，{} 位用户",
                outcome.created + typed_again,
                DEMO_USERS.len()
            ),
            Lang::En => format!(
                "demo data written: {} customers ({typed_again} of them typed in twice: merge them on the Duplicates page), {people} key people, {contacts} interactions, {order_count} orders, {deal_count} deals, {relations}, {tasks} tasks, {in_cadence} customers in a cadence, {} users",
                outcome.created + typed_again,
                DEMO_USERS.len()
            ),
        }
    );
    Ok(())
}

/// Purchases over the two demo years for customers (not prospects): each buys at their own
/// rate and may stop after any repeat purchase, as the value models assume; organizations buy
/// less often and for more.
fn demo_orders(
    r: &mut Rng,
    c: &guanxi_store::CustomerRecord,
    start: chrono::DateTime<Utc>,
    now: chrono::DateTime<Utc>,
    out: &mut Vec<(usize, orders::OrderDraft)>,
) {
    if c.draft.status == CustomerStatus::Prospect || c.merged_into_id.is_some() {
        return;
    }
    let org = c.draft.kind == CustomerKind::Organization;
    let per_week = if org { 0.01 + 0.12 * r.unit().powi(2) } else { 0.02 + 0.4 * r.unit().powi(2) };
    let dropout = if c.draft.status == CustomerStatus::Lost { 0.5 } else { 0.03 + 0.2 * r.unit() };
    let mean = if org { 3_000.0 + 40_000.0 * r.unit() } else { 30.0 + 400.0 * r.unit() };
    let channel = *r.pick(if org {
        &[SalesChannel::SalesRep, SalesChannel::SalesRep, SalesChannel::Reseller][..]
    } else {
        &[SalesChannel::Store, SalesChannel::Store, SalesChannel::Online][..]
    });
    let mut at = start + Duration::minutes(r.below(650 * 24 * 60) as i64);
    let mut k = 0;
    while at < now {
        let amount = (mean * (0.6 + 0.8 * r.unit()) * 100.0).round() as i64;
        let cost = r.chance(0.7).then(|| (amount as f64 * (0.5 + 0.2 * r.unit())).round() as i64);
        out.push((
            out.len() + 1,
            orders::OrderDraft {
                customer: orders::CustomerRef::Id(c.id),
                ordered_at: at,
                amount_fen: amount,
                cost_fen: cost,
                category: Some(r.pick(CATEGORIES).to_string()),
                channel: Some(channel),
                branch: Some(r.pick(BRANCHES).to_string()),
                order_no: Some(format!("DO{:07}-{k}", c.id)),
            },
        ));
        k += 1;
        if k > 1 && r.chance(dropout) {
            break;
        }
        let weeks = -(1.0 - r.unit()).ln() / per_week;
        at += Duration::minutes((weeks * 7.0 * 24.0 * 60.0) as i64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_every_row_is_valid() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let generate = |seed| {
            let mut r = Rng::new(seed);
            (0..300).map(|i| customer_fields(&mut r, i)).collect::<Vec<_>>()
        };
        assert_eq!(generate(1), generate(1));
        assert_ne!(generate(1), generate(2));
        for raw in generate(7) {
            CustomerDraft::parse(&raw, today).unwrap_or_else(|v| panic!("{v}: {raw:?}"));
        }
    }

    #[test]
    fn mobiles_do_not_collide() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000 {
            assert!(seen.insert(mobile(i, 0)), "collision at {i}");
        }
    }
}
