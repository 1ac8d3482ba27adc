//! Everyday use without traps (issue #22): what went wrong when Guanxi was tried as a new sales
//! team would, each turned into a test that failed before the fix.

use crate::kit::{self, apps};
use guanxi_domain::{Field, Role};
use serde_json::json;

/// Item 2: an export started from a filtered list writes exactly that list and says how many.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_holds_the_list_it_was_started_from() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        for (name, tag) in [("赵一", "VIP"), ("赵二", ""), ("钱三", "VIP"), ("孙四", "")] {
            let tags: Vec<&str> = if tag.is_empty() { vec![] } else { vec![tag] };
            kit::customer(&mut c, json!({"kind": "individual", "name": name, "tags": tags})).await;
        }
        let list = c.get("/customers?q=zhao").await.text();
        assert!(list.contains("/export?q=zhao"), "{b}: the list's export link carries its filter");
        let page = kit::decoded(&c.get("/export?q=zhao").await.text());
        assert!(page.contains("搜索：zhao") && page.contains("共 <strong>2</strong> 位客户"), "{b}: {page}");
        let r = c.post("/export", &[("format", "csv"), ("query", "q=zhao")]).await;
        assert_eq!(r.status, 200, "{b}");
        let csv = r.text();
        assert!(csv.contains("赵一") && csv.contains("赵二") && !csv.contains("钱三"), "{b}: {csv}");
        let r = c.post("/export", &[("format", "csv"), ("query", "tag=VIP")]).await;
        let csv = r.text();
        assert!(csv.contains("赵一") && csv.contains("钱三") && !csv.contains("孙四"), "{b}: {csv}");
        app.user("root", Role::Admin).await;
        let audit = app.signed_in("root").await.api("GET", "/api/v1/audit?action=export", None).await.json();
        assert_eq!(audit[0]["after"]["count"], 2, "{b}: {audit}");
        assert!(audit[0]["note"].as_str().is_some_and(|n| n.contains("tag=VIP")), "{b}: the audit names the filter");
        let all = kit::decoded(&c.get("/export").await.text());
        assert!(all.contains("导出全部客户") && all.contains("共 <strong>4</strong> 位客户"), "{b}");
    }
}

/// Item 1: moving a deal forward means its next stage; moving back is confirmed; a move to
/// where it is changes nothing and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_never_moves_back_by_default() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let customer = kit::customer(&mut c, json!({"kind": "organization", "name": "推进公司"})).await;
        let r =
            c.api("POST", &format!("/api/v1/customers/{customer}/opportunities"), Some(json!({"title": "单"}))).await;
        let id = r.json()["id"].as_i64().unwrap();
        let move_to = |stage: &'static str| json!({"stage": stage, "override_reason": "测试"});
        for stage in ["approach", "negotiation", "objections"] {
            let r = c.api("POST", &format!("/api/v1/opportunities/{id}/move"), Some(move_to(stage))).await;
            assert_eq!(r.status, 200, "{b}: {}", r.text());
        }
        let page = c.get(&format!("/opportunities/{id}")).await.text();
        assert!(page.contains("name=\"stage\" value=\"closing\""), "{b}: the forward button goes to the next stage");
        assert!(!page.contains("<option value=\"qualify\" selected"), "{b}: no earlier stage chosen by default");
        // A move back without the tick: nothing moves, and the page asks for it.
        let r = c.post(&format!("/opportunities/{id}/move"), &[("stage", "qualify")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("需要确认"), "{b}");
        assert_eq!(app.store.opportunity(id).await.unwrap().stage.code(), "objections", "{b}");
        // The board's move to the same column: "no change", not "moved".
        let r = c
            .post(&format!("/opportunities/{id}/move"), &[("stage", "objections"), ("back", "/opportunities/board")])
            .await;
        assert!(r.location().contains("done=unchanged"), "{b}: {}", r.location());
        let r = c.post(&format!("/opportunities/{id}/move"), &[("stage", "qualify"), ("confirm_back", "yes")]).await;
        assert!(r.location().contains("done=moved_back"), "{b}");
        assert!(c.get(r.location()).await.text().contains("退回到更早的阶段"), "{b}");
    }
}

/// Item 4: winning a deal records its amount as the customer's order, in the same transaction.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_won_deal_counts_as_a_purchase() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let customer = kit::customer(&mut c, json!({"kind": "organization", "name": "赢单公司"})).await;
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/opportunities"),
                Some(json!({"title": "大单", "amount": "1150000"})),
            )
            .await;
        let id = r.json()["id"].as_i64().unwrap();
        let r = c
            .api(
                "POST",
                &format!("/api/v1/opportunities/{id}/close"),
                Some(json!({"status": "won", "closed_on": "2026-11-20", "override_reason": "测试"})),
            )
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let orders = c.api("GET", &format!("/api/v1/customers/{customer}/orders"), None).await.json();
        assert_eq!(orders["orders"][0]["amount_fen"], 115_000_000, "{b}: {orders}");
        assert_eq!(orders["orders"][0]["order_no"], format!("DEAL-{id}"), "{b}");
        let history = c.api("GET", &format!("/api/v1/customers/{customer}/history"), None).await.json();
        assert!(history.as_array().unwrap().iter().any(|e| e["entity"] == "order" && e["action"] == "create"), "{b}");
        // Its orders recorded already: the win records none.
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/opportunities"),
                Some(json!({"title": "续约", "amount": "10"})),
            )
            .await;
        let second = r.json()["id"].as_i64().unwrap();
        let r = c
            .api(
                "POST",
                &format!("/api/v1/opportunities/{second}/close"),
                Some(json!({"status": "won", "record_order": false, "override_reason": "测试"})),
            )
            .await;
        assert_eq!(r.status, 200, "{b}");
        let orders = c.api("GET", &format!("/api/v1/customers/{customer}/orders"), None).await.json();
        assert_eq!(orders["orders"].as_array().map(Vec::len), Some(1), "{b}");
    }
}

/// Item 5: one rule for every part of a customer — a rep adds nothing to a colleague's customer
/// (contacts, orders, competitors, deals), exactly as they cannot edit its profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleagues_customer_is_read_not_written() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        app.user("rep1", Role::SalesRep).await;
        app.user("rep2", Role::SalesRep).await;
        let mut mgr = app.signed_in("mgr").await;
        let theirs =
            kit::customer(&mut mgr, json!({"kind": "organization", "name": "别人的客户", "owner": "rep2"})).await;
        let comp =
            mgr.api("POST", "/api/v1/competitors", Some(json!({"name": "对手"}))).await.json()["id"].as_i64().unwrap();
        let mut rep1 = app.signed_in("rep1").await;
        for (path, body) in [
            (format!("/api/v1/customers/{theirs}"), json!({"city": "杭州"})),
            (format!("/api/v1/customers/{theirs}/interactions"), json!({"channel": "phone", "summary": "s"})),
            (format!("/api/v1/customers/{theirs}/orders"), json!({"amount": "10"})),
            (
                format!("/api/v1/customers/{theirs}/competitor-engagements"),
                json!({"competitor": comp, "engagement": "talking"}),
            ),
            (format!("/api/v1/customers/{theirs}/opportunities"), json!({"title": "抢单"})),
        ] {
            let method = if path.ends_with(&theirs.to_string()) { "PATCH" } else { "POST" };
            let r = rep1.api(method, &path, Some(body)).await;
            assert_eq!(r.status, 403, "{b}: {method} {path}");
            assert!(r.json()["detail"].as_str().is_some_and(|d| d.contains("自己负责的客户")), "{b}: {}", r.text());
        }
        let page = rep1.get(&format!("/customers/{theirs}")).await.text();
        for form in ["/orders\"", "/interactions\"", "/opportunities/new"] {
            assert!(!page.contains(&format!("/customers/{theirs}{form}")), "{b}: the page offers no {form}");
        }
        // Their own: every part.
        let mut rep2 = app.signed_in("rep2").await;
        let r = rep2.api("POST", &format!("/api/v1/customers/{theirs}/orders"), Some(json!({"amount": "10"}))).await;
        assert_eq!(r.status, 201, "{b}");
    }
}

/// Item 3: saving over someone else's change shows the form again with what was typed and what
/// they changed; saving it again keeps what was typed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_conflict_keeps_what_was_typed() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        app.user("mgr2", Role::Manager).await;
        let mut a = app.signed_in("mgr").await;
        let id = kit::customer(&mut a, json!({"kind": "individual", "name": "冲突客户", "city": "北京"})).await;
        let form = a.get(&format!("/customers/{id}/edit")).await.text();
        let version = form.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        // Meanwhile a colleague changes the city.
        let mut other = app.signed_in("mgr2").await;
        let r = other.api("PATCH", &format!("/api/v1/customers/{id}"), Some(json!({"city": "上海"}))).await;
        assert_eq!(r.status, 200, "{b}");
        let r = a
            .post(
                &format!("/customers/{id}"),
                &[("name", "冲突客户"), ("city", "广州"), ("notes", "我写的备注"), ("version", &version)],
            )
            .await;
        assert_eq!(r.status, 409, "{b}");
        let page = kit::decoded(&r.text());
        assert!(page.contains("被别人保存过") && page.contains("mgr2"), "{b}: who");
        assert!(page.contains("<del>北京</del>") && page.contains("<ins>上海</ins>"), "{b}: what they changed");
        assert!(page.contains("value=\"广州\"") && page.contains("我写的备注"), "{b}: what was typed is kept");
        let version = page.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        let r = a
            .post(
                &format!("/customers/{id}"),
                &[("name", "冲突客户"), ("city", "广州"), ("notes", "我写的备注"), ("version", &version)],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let c = app.store.customer(id).await.unwrap().draft.to_fields();
        assert_eq!((c.get(Field::City), c.get(Field::Notes)), ("广州", "我写的备注"), "{b}");
    }
}

/// Item 6: a customer who seems to exist already is not saved silently: a warning with links,
/// and "save anyway".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_is_warned_about_before_saving() {
    for app in apps().await {
        let b = app.backend;
        app.user("rep", Role::SalesRep).await;
        let mut c = app.signed_in("rep").await;
        let first = kit::customer(&mut c, json!({"kind": "individual", "name": "王芳", "phone": "13912345678"})).await;
        let fields = [("kind", "individual"), ("name", "王芳芳"), ("phone", "139 1234 5678")];
        let r = c.post("/customers", &fields).await;
        assert_eq!(r.status, 200, "{b}: not saved");
        let page = kit::decoded(&r.text());
        assert!(page.contains(&format!("/customers/{first}")) && page.contains("手机号相同"), "{b}: {page}");
        assert!(page.contains("value=\"王芳芳\""), "{b}: what was typed is kept");
        assert_eq!(app.store.count_customers().await.unwrap(), 1, "{b}");
        let mut anyway = fields.to_vec();
        anyway.push(("save_anyway", "yes"));
        assert_eq!(c.post("/customers", &anyway).await.status, 303, "{b}");
        assert_eq!(app.store.count_customers().await.unwrap(), 2, "{b}");
        // An organization by its name.
        kit::customer(&mut c, json!({"kind": "organization", "name": "华东机械"})).await;
        let r = c.post("/customers", &[("kind", "organization"), ("name", "华东机械")]).await;
        assert!(kit::decoded(&r.text()).contains("姓名与公司相同"), "{b}");
        // Errors are listed, each linking to its field.
        let r = c.post("/customers", &[("kind", "individual"), ("name", ""), ("email", "x@")]).await;
        let page = r.text();
        assert!(page.contains("href=\"#f-name\"") && page.contains("href=\"#f-email\""), "{b}");
    }
}

/// Item 6: two records of different kinds are never merged without saying so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merging_a_person_and_an_organization_is_named() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let p = kit::customer(&mut c, json!({"kind": "individual", "name": "同名", "phone": "13700000001"})).await;
        let o =
            kit::customer(&mut c, json!({"kind": "organization", "name": "同名公司", "phone": "13700000001"})).await;
        let page = kit::decoded(&c.get(&format!("/merge?keep={p}&drop={o}")).await.text());
        assert!(page.contains("类型不同") && page.contains("个人") && page.contains("机构"), "{b}");
        // A customer with itself is refused on the page, before anyone picks a field.
        let r = c.get(&format!("/merge?keep={p}&drop={p}")).await;
        assert_eq!(r.status, 409, "{b}");
        assert!(r.text().contains("不能把客户合并到它自己"), "{b}");
        let pairs = [("keep", p.to_string()), ("drop", o.to_string()), ("confirm", "yes".to_string())];
        let r = c.post_pairs("/merge", &pairs).await;
        assert_eq!(r.status, 422, "{b}");
        let mut both = pairs.to_vec();
        both.push(("confirm_kinds", "yes".into()));
        assert_eq!(c.post_pairs("/merge", &both).await.status, 303, "{b}");
    }
}

/// Item 7: the import preview splits new rows from changes to stored customers and shows each
/// change; the changes can be skipped; the mapper offers only a customer's own fields; a
/// template and the problem rows download; the result links to what was imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_shows_what_it_would_overwrite() {
    use crate::cases::pages::upload;
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let zhang = kit::customer(
            &mut c,
            json!({"kind": "individual", "name": "张三", "phone": "13800138000", "city": "北京"}),
        )
        .await;
        kit::customer(&mut c, json!({"kind": "individual", "name": "赵六", "phone": "13700137000", "city": "成都"}))
            .await;
        let csv =
            "姓名,手机,城市\n张三,13800138000,上海\n李四,13900139000,广州\n王五,12345,深圳\n赵六,13700137000,成都\n";
        let r = upload(&mut c, "客户.csv", csv.as_bytes()).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let html = kit::decoded(&r.text());
        assert!(html.contains("id=\"new-rows\">1<") && html.contains("id=\"update-rows\">1<"), "{b}: {html}");
        assert!(html.contains("与已有客户相同 <strong>1</strong>"), "{b}: the row that changes nothing");
        let updates = html.split("id=\"updates\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(
            updates.contains(&format!("/customers/{zhang}")) && updates.contains("<del>北京</del> → <ins>上海</ins>"),
            "{b}: {updates}"
        );
        assert!(!updates.contains("赵六"), "{b}: nothing changes for 赵六");
        assert!(html.contains("name=\"skip_updates\""), "{b}");
        // The mapper: a customer's own fields, not value weights or survey questions.
        let mapper = html.split("id=\"map-0\"").nth(1).unwrap().split("</select>").next().unwrap();
        assert!(mapper.contains("value=\"city\"") && mapper.contains("value=\"id\""), "{b}");
        assert!(!mapper.contains("value=\"satisfied\"") && !mapper.contains("value=\"username\""), "{b}: {mapper}");
        assert!(!mapper.contains("value=\"amount\"") && !mapper.contains("value=\"stage\""), "{b}");
        let action = html.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_string();
        // The problem rows as a file to fix: the problem, the line, the cells as they were.
        let r = c.post(&format!("/import/{action}/errors"), &[("encoding", "auto")]).await;
        assert_eq!(r.status, 200, "{b}");
        assert!(r.header("content-disposition").is_some_and(|d| d.contains("attachment")), "{b}");
        let problems = r.text();
        let lines: Vec<&str> = problems.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 2, "{b}: {problems}");
        assert!(lines[0].starts_with("问题,原行号,姓名,手机,城市"), "{b}: {problems}");
        assert!(lines[1].contains(",4,王五,12345,深圳") && lines[1].contains("12345"), "{b}: {problems}");
        // Skipping the changes: only the new customer is written; 张三 keeps his city.
        let r = c.post(&format!("/import/{action}"), &[("action", "partial"), ("skip_updates", "yes")]).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let done = kit::decoded(&r.text());
        assert!(
            done.contains("新建 <strong>1</strong> · 更新 <strong>0</strong> · 未变 <strong>2</strong>"),
            "{b}: {done}"
        );
        let zhang_now = c.api("GET", &format!("/api/v1/customers/{zhang}"), None).await.json();
        assert_eq!(zhang_now["city"], "北京", "{b}");
        // The file named no owner: the page says nobody looks after 李四 and lists him.
        assert!(done.contains("其中 1 位客户还没有负责人"), "{b}: {done}");
        let unowned = done.split("id=\"unowned\"").nth(1).unwrap().split("href=\"").nth(1).unwrap();
        let unowned = unowned.split('"').next().unwrap().replace("&amp;", "&");
        let list = kit::decoded(&c.get(&unowned).await.text());
        assert!(list.contains("李四") && list.contains("负责人：无负责人"), "{b}: {list}");
        let link = imported_link(&done);
        assert!(link.starts_with("/customers?imported="), "{b}: {link}");
        let list = kit::decoded(&c.get(&link).await.text());
        assert!(list.contains("李四") && !list.contains("张三") && !list.contains("赵六"), "{b}: {list}");
        assert!(list.contains("只列出符合条件的客户——导入批次：#"), "{b}: the list says it is filtered");
        // Without skipping, the change is written and listed with what was imported.
        let r = upload(&mut c, "客户2.csv", "姓名,手机,城市\n张三,13800138000,上海\n".as_bytes()).await;
        let action = r.text().split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let done = kit::decoded(&c.post(&format!("/import/{action}"), &[("action", "all")]).await.text());
        assert!(done.contains("更新 <strong>1</strong>"), "{b}: {done}");
        let link = imported_link(&done);
        let list = kit::decoded(&c.get(&link).await.text());
        assert!(list.contains("张三") && !list.contains("李四"), "{b}: {list}");
        let listed =
            c.api("GET", &format!("/api/v1/customers?{}", link.trim_start_matches("/customers?")), None).await.json();
        assert_eq!(listed["total"], 1, "{b}: {listed}");
        // The template: the export's columns; the workbook says how to fill each in, and a
        // filled-in template imports.
        let r = c.get("/import/template?format=csv").await;
        assert_eq!(r.status, 200, "{b}");
        assert!(r.text().trim_start_matches('\u{feff}').starts_with("关系编号,名称,"), "{b}: {}", r.text());
        let r = c.get("/import/template?format=xlsx").await;
        assert_eq!(r.status, 200, "{b}");
        let book = guanxi_transfer::read_table(
            "t.xlsx",
            &r.body,
            guanxi_transfer::Limits::COMMAND_LINE,
            guanxi_transfer::Encoding::Auto,
        )
        .unwrap();
        assert_eq!(book.headers, guanxi_transfer::header(guanxi_domain::Lang::ZhCn), "{b}");
        assert!(book.rows.is_empty(), "{b}: the template holds no customer");
        assert!(zip_holds(&r.body, "填写说明") && zip_holds(&r.body, "以下之一"), "{b}: the instructions sheet");
        assert_eq!(c.get("/import/template?format=pdf").await.status, 400, "{b}");
        // Filled in with the labels the instructions list, it imports.
        let zh = guanxi_domain::Lang::ZhCn;
        let cells: Vec<String> = book
            .headers
            .iter()
            .map(|h| match h {
                h if h == Field::Name.label(zh) => "测试机械厂".to_string(),
                h if h == Field::Kind.label(zh) => guanxi_domain::CustomerKind::Organization.label(zh).to_string(),
                h if h == Field::Size.label(zh) => guanxi_domain::OrgSize::ALL[1].label(zh).to_string(),
                h if h == Field::FoundedOn.label(zh) => "2001-05-01".to_string(),
                _ => String::new(),
            })
            .collect();
        let filled = format!("{}\n{}\n", book.headers.join(","), cells.join(","));
        let r = upload(&mut c, "模板.csv", filled.as_bytes()).await;
        assert!(r.text().contains("id=\"new-rows\">1<"), "{b}: {}", r.text());
    }
}

/// Where an import's result links to what it wrote.
fn imported_link(html: &str) -> String {
    let before = html.split("id=\"see-imported\"").next().unwrap();
    before.rsplit("href=\"").next().unwrap().split('"').next().unwrap().to_string()
}

/// Whether any part of a zip archive holds `text` (the workbook's sheets are compressed).
fn zip_holds(bytes: &[u8], text: &str) -> bool {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..archive.len()).any(|i| {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut archive.by_index(i).unwrap(), &mut s).is_ok() && s.contains(text)
    })
}

/// Item 9: orders come in through the browser like customers — same checks, same report, a
/// template, the problem rows — and the value pages are recomputed with them; no page tells
/// anyone to run a command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_are_imported_in_the_browser() {
    use crate::cases::pages::upload_with;
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let value = kit::decoded(&c.get("/value").await.text());
        assert!(!value.contains("guanxi analyze") && value.contains("href=\"/import?target=orders\""), "{b}: {value}");
        assert!(kit::decoded(&c.get("/orders").await.text()).contains("href=\"/import?target=orders\""), "{b}");
        let zhang = kit::customer(&mut c, json!({"kind": "individual", "name": "张三", "phone": "13800138000"})).await;
        let page = kit::decoded(&c.get("/import?target=orders").await.text());
        assert!(page.contains("<h1>导入订单</h1>") && page.contains("name=\"target\" value=\"orders\""), "{b}");
        let csv = format!(
            "关系编号,订单号,下单时间,金额,备注\n{zhang},SO-1,2026-03-01 10:00,1280,首单\n,SO-2,2026-03-02 10:00,abc,x\n99999,SO-3,2026-03-03 10:00,50,y\n"
        );
        let r = upload_with(&mut c, &[("target", "orders")], "订单.csv", csv.as_bytes()).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let html = kit::decoded(&r.text());
        // The unknown customer is one of the problems before anything is written.
        assert!(
            html.contains("<strong class=\"ok\">1</strong>") && html.contains("<strong class=\"bad\">2</strong>"),
            "{b}: {html}"
        );
        assert!(html.contains("第 3 行") && html.contains("abc"), "{b}: the bad row by line and value");
        let mapper = html.split("id=\"map-0\"").nth(1).unwrap().split("</select>").next().unwrap();
        assert!(mapper.contains("value=\"amount\"") && !mapper.contains("value=\"city\""), "{b}: {mapper}");
        let action = html.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let r = c.post(&format!("/import/{action}/errors"), &[("target", "orders"), ("encoding", "auto")]).await;
        assert!(r.text().contains(",3,,SO-2,2026-03-02 10:00,abc,x"), "{b}: {}", r.text());
        // All or nothing: the unknown customer stops it, and says which row.
        let r = c.post(&format!("/import/{action}"), &[("target", "orders"), ("action", "partial")]).await;
        let done = kit::decoded(&r.text());
        assert!(done.contains("id=\"import-result\"") && done.contains("新建 <strong>1</strong>"), "{b}: {done}");
        assert!(done.contains("第 4 行") && done.contains("99999"), "{b}: the unknown customer is named: {done}");
        assert!(done.contains("id=\"value-queued\"") && done.contains("href=\"/orders\""), "{b}");
        let orders = c.api("GET", &format!("/api/v1/customers/{zhang}/orders"), None).await.json();
        assert_eq!(orders["orders"].as_array().map(Vec::len), Some(1), "{b}: {orders}");
        let jobs = app.store.jobs(Some(guanxi_store::JobKind::RecomputeValues), 5).await.unwrap();
        assert!(!jobs.is_empty(), "{b}: the value recompute is queued");
        // The orders template names its columns and how to fill them.
        let r = c.get("/import/template?target=orders&format=csv").await;
        assert!(
            r.text().trim_start_matches('\u{feff}').starts_with("关系编号,外部编号,手机,订单号,下单时间,金额"),
            "{b}: {}",
            r.text()
        );
        assert_eq!(c.get("/import?target=invoices").await.status, 400, "{b}");
        // A sales rep imports nothing.
        app.user("rep", Role::SalesRep).await;
        let mut rep = app.signed_in("rep").await;
        assert_eq!(rep.get("/import?target=orders").await.status, 403, "{b}");
    }
}

/// Item 8: people are picked, not typed — colleagues by their names, the customer's key people
/// by theirs, anyone else in a box — and shown by name on lists, the board, deals and history.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_are_picked_and_shown_by_name() {
    for app in apps().await {
        let b = app.backend;
        app.named_user("zhang.wei", "张伟", Role::Manager).await;
        app.named_user("li.na", "李娜", Role::SalesRep).await;
        app.named_user("wang.qiang", "王强", Role::SalesRep).await;
        let mut c = app.signed_in("zhang.wei").await;
        let customer =
            kit::customer(&mut c, json!({"kind": "organization", "name": "宏达机械", "owner": "li.na"})).await;
        let r = c.api("POST", &format!("/api/v1/customers/{customer}/key-people"), Some(json!({"name": "赵总"}))).await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        // The contact form: a tick per colleague by name, a tick per key person, a box for others.
        let page = kit::decoded(&c.get(&format!("/customers/{customer}")).await.text());
        let form = page.split("id=\"f-our_participants\"").nth(1).unwrap().split("</fieldset>").next().unwrap();
        assert!(form.contains("value=\"li.na\"") && form.contains("李娜"), "{b}: {form}");
        let theirs = page.split("id=\"f-their_participants\"").nth(1).unwrap().split("</fieldset>").next().unwrap();
        assert!(theirs.contains("type=\"checkbox\" name=\"their_participants\" value=\"赵总\""), "{b}: {theirs}");
        assert!(theirs.contains("id=\"f-their_participants-others\""), "{b}");
        let r = c
            .post(
                &format!("/customers/{customer}/interactions"),
                &[
                    ("channel", "face_to_face"),
                    ("summary", "技术交流"),
                    ("our_participants", "li.na"),
                    ("our_participants", "wang.qiang"),
                    ("their_participants", "赵总"),
                    ("their_participants", "司机小刘"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let page = kit::decoded(&c.get(&format!("/customers/{customer}")).await.text());
        assert!(page.contains("我方：李娜、王强"), "{b}: our people by name");
        assert!(page.contains("赵总") && page.contains("司机小刘"), "{b}");
        let contact = &app.store.interactions(customer).await.unwrap()[0];
        let theirs: Vec<&str> = contact.theirs.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(theirs, ["赵总", "司机小刘"], "{b}");
        assert!(contact.theirs[0].key_person_id.is_some(), "{b}: the ticked key person is linked");
        // The deal form: the owner picked by name; a rep is offered only themselves.
        let form = kit::decoded(&c.get(&format!("/customers/{customer}/opportunities/new")).await.text());
        let owner = form.split("name=\"owner\"").nth(1).unwrap().split("</select>").next().unwrap();
        assert!(owner.contains("value=\"li.na\"") && owner.contains("李娜 (li.na)"), "{b}: {owner}");
        let mut rep = app.signed_in("li.na").await;
        let form = kit::decoded(&rep.get(&format!("/customers/{customer}/opportunities/new")).await.text());
        let owner = form.split("name=\"owner\"").nth(1).unwrap().split("</select>").next().unwrap();
        assert!(owner.contains("李娜") && !owner.contains("王强"), "{b}: {owner}");
        let r = c
            .api(
                "POST",
                &format!("/api/v1/customers/{customer}/opportunities"),
                Some(json!({"title": "大单", "owner": "li.na"})),
            )
            .await;
        let deal = r.json()["id"].as_i64().unwrap();
        // Shown by name: the deal, the board, the list, the customer list, the history.
        for path in [
            format!("/opportunities/{deal}"),
            "/opportunities/board".into(),
            "/opportunities".into(),
            "/customers".into(),
        ] {
            let html = kit::decoded(&c.get(&path).await.text());
            let body = html.split("<main").nth(1).unwrap_or("");
            assert!(body.contains("李娜"), "{b}: {path} names the owner");
            let shown: Vec<&str> =
                body.split(['>', '<']).filter(|s| s.split(['·', ' ']).any(|w| w.trim() == "li.na")).collect();
            assert!(shown.is_empty(), "{b}: {path} shows the username: {shown:?}");
        }
        c.api("PATCH", &format!("/api/v1/customers/{customer}"), Some(json!({"owner": "wang.qiang"}))).await;
        let history = kit::decoded(&c.get(&format!("/customers/{customer}/history")).await.text());
        assert!(history.contains("张伟") && history.contains("李娜") && history.contains("王强"), "{b}: {history}");
    }
}

/// Item 12: an organization's preference box shows its key people's preferences (the health
/// score part is in standing.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organizations_preferences_include_its_people() {
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let org = kit::customer(&mut c, json!({"kind": "organization", "name": "远航物流"})).await;
        let page = kit::decoded(&c.get(&format!("/customers/{org}")).await.text());
        let prefs = page.split("class=\"preferences\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(prefs.contains("还没有记录偏好"), "{b}: {prefs}");
        let person = json!({"name": "孙经理", "job_title": "采购经理", "preferences": "饮品: 普洱; 称呼: 孙哥"});
        let r = c.api("POST", &format!("/api/v1/customers/{org}/key-people"), Some(person)).await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let page = kit::decoded(&c.get(&format!("/customers/{org}")).await.text());
        let prefs = page.split("class=\"preferences\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(prefs.contains("孙经理") && prefs.contains("饮品：普洱；称呼：孙哥"), "{b}: {prefs}");
        assert!(!prefs.contains("还没有记录偏好"), "{b}");
    }
}

/// Item 13: a fresh, empty archive opens on what to do first, for what each role may do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_archive_says_where_to_start() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        app.user("rep", Role::SalesRep).await;
        let mut admin = app.signed_in("root").await;
        let page = kit::decoded(&admin.get("/customers").await.text());
        let steps = page.split("id=\"first-steps\"").nth(1).expect("first steps").split("</section>").next().unwrap();
        for link in ["/import\"", "/customers/new?kind=individual", "/users\"", "/import?target=orders"] {
            assert!(steps.contains(link), "{b}: {link} in {steps}");
        }
        assert!(!page.contains("没有符合条件的客户"), "{b}: not an empty list");
        let mut rep = app.signed_in("rep").await;
        let page = kit::decoded(&rep.get("/customers").await.text());
        let steps = page.split("id=\"first-steps\"").nth(1).expect("first steps").split("</section>").next().unwrap();
        assert!(steps.contains("/customers/new?kind=individual") && !steps.contains("/users\""), "{b}: {steps}");
        assert!(!steps.contains("href=\"/import\""), "{b}: a rep does not import");
        // A search that finds nothing is still a list that says so.
        let page = kit::decoded(&rep.get("/customers?q=nobody").await.text());
        assert!(page.contains("没有符合条件的客户") && !page.contains("id=\"first-steps\""), "{b}");
        kit::customer(&mut admin, json!({"kind": "individual", "name": "第一位"})).await;
        let page = kit::decoded(&admin.get("/customers").await.text());
        assert!(!page.contains("id=\"first-steps\"") && page.contains("第一位"), "{b}");
    }
}

/// Item 14: one public address, a setting an admin makes in the browser, for every link that
/// leaves Guanxi; until it is set, the survey page says links use the server's own address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_leave_on_the_one_public_address() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        app.user("rep", Role::SalesRep).await;
        let mut rep = app.signed_in("rep").await;
        let id = kit::customer(&mut rep, json!({"kind": "individual", "name": "问卷客户"})).await;
        let page = kit::decoded(&rep.get(&format!("/customers/{id}/surveys")).await.text());
        assert!(page.contains("id=\"public-url-unset\"") && page.contains("请管理员"), "{b}: {page}");
        assert_eq!(
            rep.post("/settings/public-url", &[("public_url", "https://evil.example")]).await.status,
            403,
            "{b}"
        );
        let mut admin = app.signed_in("root").await;
        let users = kit::decoded(&admin.get("/users").await.text());
        assert!(users.contains("id=\"public-url\"") && users.contains("未设置"), "{b}");
        let r = admin.post("/settings/public-url", &[("public_url", "crm.example.com")]).await;
        assert_eq!(r.status, 422, "{b}");
        let page = kit::decoded(&r.text());
        assert!(
            page.contains("公开地址") && page.contains("http://") && page.contains("value=\"crm.example.com\""),
            "{b}"
        );
        let r = admin.post("/settings/public-url", &[("public_url", "https://crm.example.com/")]).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let users = kit::decoded(&admin.get("/users").await.text());
        assert!(users.contains("<code id=\"public-url-now\">https://crm.example.com</code>"), "{b}");
        let r = rep.api("POST", &format!("/api/v1/customers/{id}/survey-links"), Some(json!({"about": "order"}))).await;
        let link = r.json()["link"].as_str().unwrap_or_default().to_string();
        assert!(link.starts_with("https://crm.example.com/s/"), "{b}: {link}");
        let page = kit::decoded(&rep.get(&format!("/customers/{id}/surveys")).await.text());
        assert!(!page.contains("id=\"public-url-unset\"") && page.contains("https://crm.example.com/s/"), "{b}");
        let audit = admin.api("GET", "/api/v1/audit?entity=settings", None).await.json();
        assert_eq!(audit[0]["after"], json!({"public_url": "https://crm.example.com"}), "{b}: {audit}");
        let page = kit::decoded(&admin.get("/audit?entity=settings").await.text());
        assert!(
            page.contains("公开地址") && page.contains("https://crm.example.com"),
            "{b}: labelled in the audit log"
        );
        // A query is refused saying so; an inside address is taken with a warning; an empty
        // one goes back to the server's own address.
        let r = admin.post("/settings/public-url", &[("public_url", "https://crm.example.com/?a=1")]).await;
        assert!(r.status == 422 && r.text().contains("不带 ? 或 #"), "{b}");
        admin.post("/settings/public-url", &[("public_url", "http://192.168.1.20:8080")]).await;
        let users = kit::decoded(&admin.get("/users").await.text());
        assert!(users.contains("id=\"public-url-inside\""), "{b}: a LAN address is warned about");
        assert_eq!(admin.post("/settings/public-url", &[("public_url", " ")]).await.status, 303, "{b}");
        let users = kit::decoded(&admin.get("/users").await.text());
        assert!(users.contains("未设置"), "{b}: cleared");
        let page = kit::decoded(&rep.get(&format!("/customers/{id}/surveys")).await.text());
        assert!(page.contains("id=\"public-url-unset\""), "{b}");
    }
}

/// Item 7, for orders and for keys several customers share (found walking the pages): a
/// re-imported order keeps what its row leaves empty, an order number repeated in the file or
/// belonging to another customer is refused by line, unknown customers show before anything is
/// written; a phone two customers share names neither, and a matched row can be added as new.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_never_overwrite_by_surprise() {
    use crate::cases::pages::{upload, upload_with};
    for app in apps().await {
        let b = app.backend;
        app.user("mgr", Role::Manager).await;
        let mut c = app.signed_in("mgr").await;
        let a = kit::customer(&mut c, json!({"kind": "individual", "name": "甲", "phone": "13800000001"})).await;
        let bb = kit::customer(&mut c, json!({"kind": "individual", "name": "乙", "phone": "13800000002"})).await;
        let order = json!({"order_no": "SO-9", "ordered_at": "2026-03-01 10:00", "amount": "100", "cost": "60", "branch": "北京店"});
        assert_eq!(c.api("POST", &format!("/api/v1/customers/{a}/orders"), Some(order)).await.status, 201, "{b}");
        let csv = format!(
            "关系编号,订单号,下单时间,金额\n{a},SO-9,2026-03-01 10:00,120\n{bb},SO-9,2026-03-02 10:00,20\n{bb},SO-10,2026-03-03 10:00,30\n{bb},SO-10,2026-03-04 10:00,40\n999999,SO-11,2026-03-05 10:00,50\n"
        );
        let r = upload_with(&mut c, &[("target", "orders")], "订单.csv", csv.as_bytes()).await;
        let html = kit::decoded(&r.text());
        assert!(html.contains("id=\"new-rows\">1<") && html.contains("id=\"update-rows\">1<"), "{b}: {html}");
        let updates = html.split("id=\"updates\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(
            updates.contains("<del>¥100.00</del> → <ins>¥120.00</ins>") && !updates.contains("北京店"),
            "{b}: {updates}"
        );
        let bad = html.split("id=\"bad-rows\"").nth(1).unwrap().split("</ul>").next().unwrap();
        assert!(bad.contains("第 3 行") && bad.contains("属于另一位客户"), "{b}: another customer's number: {bad}");
        assert!(bad.contains("第 5 行") && bad.contains("与第 4 行重复"), "{b}: repeated in the file: {bad}");
        assert!(bad.contains("第 6 行") && bad.contains("999999"), "{b}: the unknown customer before writing: {bad}");
        let action = html.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let done = kit::decoded(
            &c.post(&format!("/import/{action}"), &[("target", "orders"), ("action", "partial")]).await.text(),
        );
        assert!(done.contains("新建 <strong>1</strong> · 更新 <strong>1</strong>"), "{b}: {done}");
        let orders = c.api("GET", &format!("/api/v1/customers/{a}/orders"), None).await.json();
        let so9 = &orders["orders"][0];
        assert_eq!(
            (so9["amount_fen"].as_i64(), so9["cost_fen"].as_i64()),
            (Some(12_000), Some(6_000)),
            "{b}: {orders}"
        );
        assert_eq!(so9["branch"], "北京店", "{b}: what the row left empty is kept");
        let theirs = c.api("GET", &format!("/api/v1/customers/{bb}/orders"), None).await.json();
        let numbers: Vec<&str> =
            theirs["orders"].as_array().unwrap().iter().filter_map(|o| o["order_no"].as_str()).collect();
        assert_eq!(numbers, ["SO-10"], "{b}: SO-9 stayed with its customer; SO-10 once: {theirs}");
        assert_eq!(theirs["orders"][0]["amount_fen"].as_i64(), Some(3_000), "{b}: the first SO-10 row");

        // A phone two customers share: the row names neither, and says so before writing.
        kit::customer(&mut c, json!({"kind": "individual", "name": "丙", "phone": "13900000009"})).await;
        kit::customer(&mut c, json!({"kind": "individual", "name": "丙二", "phone": "13900000009"})).await;
        let r =
            upload(&mut c, "客户.csv", "姓名,手机,城市\n丙,13900000009,上海\n新人,13800000001,广州\n".as_bytes()).await;
        let html = kit::decoded(&r.text());
        let bad = html.split("id=\"bad-rows\"").nth(1).unwrap().split("</ul>").next().unwrap();
        assert!(bad.contains("第 2 行") && bad.contains("对应 2 位客户"), "{b}: {bad}");
        // A row whose phone is 甲's but whose name is not: flagged, and added as a new customer.
        let updates = html.split("id=\"updates\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(updates.contains("姓名会改变") && updates.contains("name=\"row-3\""), "{b}: {updates}");
        let action = html.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_string();
        let done = kit::decoded(
            &c.post(&format!("/import/{action}"), &[("action", "partial"), ("row-3", "new")]).await.text(),
        );
        assert!(done.contains("新建 <strong>1</strong> · 更新 <strong>0</strong>"), "{b}: {done}");
        let first = c.api("GET", &format!("/api/v1/customers/{a}"), None).await.json();
        assert_eq!(first["name"], "甲", "{b}: 甲 kept his name");
        let found = c.api("GET", "/api/v1/customers?q=新人", None).await.json();
        assert_eq!(found["total"], 1, "{b}: {found}");
    }
}
