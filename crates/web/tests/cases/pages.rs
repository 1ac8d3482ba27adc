//! The HTML pages through HTTP: forms keep what was typed and say what is wrong, every flow
//! redirects to a page that shows the result.

use crate::kit::{self, Client, apps};
use guanxi_domain::Role;
use guanxi_domain::ValueTier;
use guanxi_domain::value::Approach;
use serde_json::json;

/// A form with text `fields` and a file.
pub fn multipart_with(fields: &[(&str, &str)], file_name: &str, content: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----guanxi-test-boundary";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub async fn upload(c: &mut Client, file_name: &str, content: &[u8]) -> kit::Resp {
    upload_with(c, &[], file_name, content).await
}

pub async fn upload_with(c: &mut Client, fields: &[(&str, &str)], file_name: &str, content: &[u8]) -> kit::Resp {
    let (ct, body) = multipart_with(fields, file_name, content);
    let origin = format!("http://{}", c.addr);
    c.send("POST", "/import", &[("Content-Type", &ct), ("Origin", &origin)], &body).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_edit_and_delete_through_forms() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        let mut c = app.signed_in("li.na").await;
        // A bad form comes back with every error by its field and what was typed kept.
        let r = c
            .post(
                "/customers",
                &[
                    ("kind", "individual"),
                    ("name", "张三丰"),
                    ("phone", "12345"),
                    ("birthday", "2099-01-01"),
                    ("notes", "老朋友介绍"),
                ],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let html = r.text();
        assert!(html.contains("请修改标出的内容"), "{b}");
        assert!(html.contains("id=\"err-phone\"") && html.contains("id=\"err-birthday\""), "{b}");
        assert!(
            html.contains("value=\"张三丰\"") && html.contains("老朋友介绍") && html.contains("value=\"12345\""),
            "{b}"
        );
        // A rep cannot make a colleague the owner (F-11), and the form does not offer it.
        let fields = [
            ("kind", "individual"),
            ("name", "张三丰"),
            ("phone", "13800138000"),
            ("preferences", "饮品：冰摩卡，两块糖两块冰\n座位：角落"),
        ];
        let mut planted = fields.to_vec();
        planted.push(("owner", "someone.else"));
        assert_eq!(c.post("/customers", &planted).await.status, 403, "{b}");
        assert!(!c.get("/customers/new").await.text().contains("name=\"owner\""), "{b}");
        // Fixed, it is created and owned by the rep who created it.
        let r = c.post("/customers", &fields).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let page = r.location().to_string();
        assert!(page.ends_with("?done=created"), "{b}: {page}");
        let html = c.get(&page).await.text();
        assert!(html.contains("客户已创建"), "{b}");
        // Preferences come first on the archive page, before the timeline and the profile.
        let prefs = html.find("class=\"preferences\"").unwrap();
        assert!(prefs < html.find("id=\"interactions\"").unwrap(), "{b}");
        assert!(html.contains("冰摩卡，两块糖两块冰") && html.contains("角落"), "{b}");
        assert!(html.contains("li.na 用户"), "{b}: owner shown");
        let id: i64 = page.trim_start_matches("/customers/").split('?').next().unwrap().parse().unwrap();

        // Edit: the form is filled in; a stale version is refused with a clear message.
        let edit = c.get(&format!("/customers/{id}/edit")).await.text();
        assert!(edit.contains("value=\"13800138000\""), "{b}");
        let r = c.post(&format!("/customers/{id}"), &[("name", "张三丰"), ("city", "杭州"), ("version", "1")]).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let r = c.post(&format!("/customers/{id}"), &[("name", "张三丰"), ("city", "上海"), ("version", "1")]).await;
        assert_eq!(r.status, 409, "{b}");
        assert!(r.text().contains("已被其他人修改") || r.text().contains("修改"), "{b}: {}", r.text());

        // Log an interaction from the archive page; an empty summary is an error by the field.
        let r = c.post(&format!("/customers/{id}/interactions"), &[("channel", "face_to_face"), ("summary", "")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("id=\"err-summary\""), "{b}");
        let r = c
            .post(
                &format!("/customers/{id}/interactions"),
                &[("channel", "face_to_face"), ("summary", "到店，点了冰摩卡")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let html = c.get(r.location()).await.text();
        assert!(html.contains("到店，点了冰摩卡") && html.contains("互动已记录"), "{b}");

        // Record a sale: a bad amount is shown by its field, a good one in the purchases.
        let r = c.post(&format!("/customers/{id}/orders"), &[("amount", "十块"), ("category", "咖啡")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("id=\"err-amount\"") && r.text().contains("value=\"咖啡\""), "{b}");
        let r = c
            .post(
                &format!("/customers/{id}/orders"),
                &[("amount", "38"), ("category", "咖啡"), ("sales_channel", "store")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let html = c.get(r.location()).await.text();
        assert!(html.contains("订单已记录") && html.contains("¥38.00") && html.contains("咖啡 · 门店"), "{b}");
        assert!(html.contains("无成本数据"), "{b}: no cost known, so no margin claimed");

        // Correct the logged contact: the form has what was logged, in China time.
        let iid = app.store.interactions(id).await.unwrap()[0].id;
        let form = c.get(&format!("/interactions/{iid}/edit")).await.text();
        assert!(form.contains("到店，点了冰摩卡") && form.contains("value=\"face_to_face\" selected"), "{b}");
        let r = c
            .post(&format!("/interactions/{iid}"), &[("channel", "carrier pigeon"), ("summary", "到店，点了热拿铁")])
            .await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("id=\"err-channel\"") && r.text().contains("热拿铁"), "{b}");
        let r = c
            .post(
                &format!("/interactions/{iid}"),
                &[("channel", "face_to_face"), ("summary", "到店，点了热拿铁"), ("occurred_at", "2026-01-02T09:30")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let html = c.get(r.location()).await.text();
        assert!(html.contains("到店，点了热拿铁") && html.contains("2026-01-02 09:30"), "{b}");

        // History shows the change, field by field, with labels.
        let html = c.get(&format!("/customers/{id}/history")).await.text();
        assert!(html.contains("修改客户") && html.contains("城市") && html.contains("杭州"), "{b}");

        // Delete to the bin; a rep cannot restore, a manager can.
        let r = c.post(&format!("/customers/{id}/delete"), &[]).await;
        assert_eq!(r.status, 303, "{b}");
        assert!(c.get(r.location()).await.text().contains("此客户在回收站中"), "{b}");
        assert_eq!(c.post(&format!("/customers/{id}/restore"), &[]).await.status, 403, "{b}");
        app.user("boss", Role::Manager).await;
        let mut boss = app.signed_in("boss").await;
        assert!(boss.get("/bin").await.text().contains("张三丰"), "{b}");
        let r = boss.post(&format!("/customers/{id}/restore"), &[]).await;
        assert_eq!(r.status, 303, "{b}");
        assert!(!boss.get("/bin").await.text().contains("张三丰"), "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organizations_get_key_people_and_people_around() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let r = c
            .post(
                "/customers",
                &[("kind", "organization"), ("name", "华为技术有限公司"), ("industry", "通信"), ("size", "large")],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let id: i64 = r.location().trim_start_matches("/customers/").split('?').next().unwrap().parse().unwrap();
        let r =
            c.post(&format!("/customers/{id}/key-people"), &[("name", ""), ("decision_role", "decision_maker")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("id=\"err-name\""), "{b}");
        assert!(r.text().contains("<details open"), "{b}: the form stays open");
        let r = c
            .post(
                &format!("/customers/{id}/key-people"),
                &[
                    ("name", "刘总"),
                    ("job_title", "采购总监"),
                    ("decision_role", "decision_maker"),
                    ("attitude", "supporter"),
                    ("preferences", "茶：龙井"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}");
        let kp = app.store.key_people(id).await.unwrap()[0].id;
        let r = c
            .post(
                &format!("/customers/{id}/people-around"),
                &[
                    ("key_person_id", &kp.to_string()),
                    ("name", "刘太太"),
                    ("relation", "spouse"),
                    ("preferences", "花：百合"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let html = c.get(&format!("/customers/{id}")).await.text();
        for s in ["刘总", "采购总监", "决策者", "支持者", "龙井", "刘太太", "配偶", "百合", "通信"]
        {
            assert!(html.contains(s), "{b}: {s} missing");
        }
        let r = c
            .post(
                &format!("/customers/{id}/people-around"),
                &[("key_person_id", "abc"), ("name", "x"), ("relation", "friend")],
            )
            .await;
        assert_eq!(r.status, 400, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_filters_sort_pages_and_saved_views() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        for i in 0..60 {
            let status = if i % 3 == 0 { "customer" } else { "prospect" };
            kit::customer(&mut c, json!({"kind": "individual", "name": format!("客户{i:02}"), "status": status, "tags": if i % 10 == 0 { vec!["VIP"] } else { vec![] }})).await;
        }
        let html = c.get("/customers").await.text();
        assert!(html.contains("共 60 位客户") && html.contains("1 / 2"), "{b}");
        let html = c.get("/customers?page=2").await.text();
        assert!(html.contains("51–60"), "{b}");
        let html = c.get("/customers?status=customer&sort=name").await.text();
        assert!(html.contains("共 20 位客户"), "{b}");
        assert!(html.find("客户00").unwrap() < html.find("客户03").unwrap(), "{b}: sorted by name");
        let html = c.get("/customers?tag=VIP").await.text();
        assert!(html.contains("共 6 位客户"), "{b}");
        let r = c.get("/customers?status=nonsense").await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.text().contains("nonsense"), "{b}");
        let r = c.post("/customers/views", &[("name", "VIP 客户"), ("query", "tag=VIP&status=customer&evil=1")]).await;
        assert_eq!(r.status, 303, "{b}");
        let html = c.get(r.location()).await.text();
        assert!(html.contains("视图已保存") && html.contains("VIP 客户"), "{b}");
        let view = html.split("class=\"view\"").nth(1).unwrap_or("").chars().take(120).collect::<String>();
        assert!(
            kit::decoded(&view).contains("href=\"/customers?status=customer&tag=VIP\""),
            "{b}: only known filters kept: {view}"
        );
        let r = c.post("/customers/views", &[("name", ""), ("query", "tag=VIP")]).await;
        assert_eq!(r.status, 422, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_shows_every_bad_row_before_writing() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let csv = "姓名,手机,城市,客户经理编号\n张三,13800138000,杭州,x\n李四,12345,上海,y\n王五,13900139000,北京,z\n";
        let r = upload(&mut c, "客户.csv", csv.as_bytes()).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let html = r.text();
        assert!(
            html.contains("<strong class=\"ok\">2</strong>") && html.contains("<strong class=\"bad\">1</strong>"),
            "{b}"
        );
        assert!(html.contains("第 3 行") && html.contains("12345"), "{b}: the bad row by line and value");
        assert!(html.contains("客户经理编号"), "{b}: the unmapped column is listed");
        assert_eq!(app.store.count_customers().await.unwrap(), 0, "{b}: nothing written yet");
        let action = html.split("action=\"/import/").nth(1).unwrap().split('"').next().unwrap().to_string();
        // All-or-nothing is refused while a row is bad.
        let r = c.post(&format!("/import/{action}"), &[("action", "all")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert_eq!(app.store.count_customers().await.unwrap(), 0, "{b}");
        // Remapping a column re-checks with it.
        let r = c.post(&format!("/import/{action}"), &[("action", "check"), ("map-2", "-")]).await;
        assert!(r.text().contains("<strong class=\"bad\">1</strong>"), "{b}");
        let r = c.post(&format!("/import/{action}"), &[("action", "partial")]).await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        assert!(r.text().contains("id=\"import-result\"") && r.text().contains("新建 <strong>2</strong>"), "{b}");
        assert_eq!(app.store.count_customers().await.unwrap(), 2, "{b}");
        // The upload is gone once imported; nobody else can use it either.
        assert_eq!(c.post(&format!("/import/{action}"), &[("action", "partial")]).await.status, 404, "{b}");
        // Files that cannot be read say why.
        let r = upload(&mut c, "empty.csv", b"").await;
        assert!(r.text().contains("请选择要导入的文件"), "{b}");
        let r = upload(&mut c, "bad.csv", b"phone,city\n1,2\n").await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("error-message"), "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_is_for_managers_and_audited() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        let mut c = app.signed_in("boss").await;
        kit::customer(&mut c, json!({"kind": "individual", "name": "张三", "notes": "=cmd|' /C calc'!A0"})).await;
        let r = c.post("/export", &[("format", "csv")]).await;
        assert_eq!(r.status, 200, "{b}");
        assert!(r.header("content-disposition").unwrap().contains(".csv"), "{b}");
        let text = r.text();
        assert!(text.starts_with('\u{feff}'), "{b}: BOM for Excel");
        assert!(text.contains("张三") && text.contains("'=cmd"), "{b}: formula neutralized");
        let r = c.post("/export", &[("format", "xlsx")]).await;
        assert_eq!(r.status, 200, "{b}");
        assert!(r.body.starts_with(b"PK"), "{b}: a zip (xlsx)");
        let r = c.post("/export", &[("format", "pdf")]).await;
        assert_eq!(r.status, 400, "{b}");
        let log = app.store.audit_log(10).await.unwrap();
        assert_eq!(log.iter().filter(|e| e.action == "export").count(), 2, "{b}");
        let mut rep = app.signed_in("li.na").await;
        let r = rep.post("/export", &[("format", "csv")]).await;
        assert_eq!(r.status, 403, "{b}");
        assert!(r.text().contains("只有销售经理和管理员可以导出"), "{b}");
        assert!(!rep.get("/customers").await.text().contains("href=\"/export"), "{b}: no export button for reps");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_merge_and_undo() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let a = kit::customer(&mut c, json!({"kind": "individual", "name": "张三", "phone": "13800138000"})).await;
        let d = kit::customer(
            &mut c,
            json!({"kind": "individual", "name": "张叁", "phone": "13800138000", "city": "杭州"}),
        )
        .await;
        let html = c.get("/duplicates").await.text();
        assert!(html.contains("手机号相同") && html.contains("张叁"), "{b}");
        // Side by side (issue #22): each differing field a choice, the kept one's by default,
        // and nothing merged without the confirmation.
        let page = c.get(&format!("/merge?keep={a}&drop={d}")).await.text();
        assert!(page.contains("name=\"choice-name\" value=\"keep\" checked"), "{b}: {page}");
        assert!(page.contains("杭州"), "{b}: what only the other has is shown as kept");
        let pick = [("keep", a.to_string()), ("drop", d.to_string()), ("choice-name", "drop".into())];
        let r = c.post_pairs("/merge", &pick).await;
        assert_eq!(r.status, 422, "{b}: not merged without the tick");
        assert!(r.text().contains("name=\"choice-name\" value=\"drop\" checked"), "{b}: the choice is kept");
        let mut confirmed = pick.to_vec();
        confirmed.push(("confirm", "yes".into()));
        let r = c.post_pairs("/merge", &confirmed).await;
        assert_eq!(r.status, 303, "{b}");
        assert_eq!(app.store.customer(a).await.unwrap().draft.name, "张叁", "{b}: the name chosen from the other");
        let html = c.get(r.location()).await.text();
        assert!(html.contains("已合并") && html.contains("杭州"), "{b}: the empty city was filled");
        assert!(c.get("/duplicates").await.text().contains("没有发现疑似重复"), "{b}");
        let dropped = c.get(&format!("/customers/{d}")).await;
        assert_eq!(dropped.location(), format!("/customers/{a}"), "{b}: the merged customer leads to the kept one");
        let history = c.get(&format!("/customers/{a}/history")).await.text();
        let undo = history.split("action=\"/merges/").nth(1).unwrap().split('/').next().unwrap().to_string();
        let r = c.post(&format!("/merges/{undo}/undo"), &[]).await;
        assert_eq!(r.status, 303, "{b}");
        assert!(c.get(r.location()).await.text().contains("合并已撤销"), "{b}");
        assert_eq!(c.get(&format!("/customers/{d}")).await.status, 200, "{b}");
        let r = c.post("/merge", &[("keep", "x"), ("drop", "1")]).await;
        assert_eq!(r.status, 400, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_password_language_and_user_admin() {
    for app in apps().await {
        let b = app.backend;
        app.user("root", Role::Admin).await;
        let mut c = app.signed_in("root").await;
        let r = c.post("/account/password", &[("current", "nope"), ("new", "new-password-1")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("当前密码不正确"), "{b}");
        let r = c.post("/account/password", &[("current", kit::PASSWORD), ("new", "short")]).await;
        assert!(r.text().contains("至少要 12 个字符"), "{b}");
        // F-14: common passwords and the username are refused by name.
        let r = c.post("/account/password", &[("current", kit::PASSWORD), ("new", "Password2024!")]).await;
        assert!(r.text().contains("最常见的密码"), "{b}");
        let r = c.post("/account/password", &[("current", kit::PASSWORD), ("new", "root-root-root-1")]).await;
        assert!(r.text().contains("不能包含用户名"), "{b}");
        let mut other = app.signed_in("root").await;
        let r = c.post("/account/password", &[("current", kit::PASSWORD), ("new", "new-password-1")]).await;
        assert_eq!(r.status, 303, "{b}");
        assert!(c.get(r.location()).await.text().contains("密码已修改"), "{b}: this session stays signed in");
        assert_eq!(other.get("/customers").await.status, 303, "{b}: other sessions end");
        assert_eq!(app.client().login("root", "new-password-1").await.status, 303, "{b}");

        // The language is remembered by the account.
        let r = c.post("/account/language", &[("lang", "en"), ("back", "/customers")]).await;
        assert_eq!(r.location(), "/customers", "{b}");
        assert!(c.get("/customers").await.text().contains("Customers"), "{b}");
        let mut again = app.client();
        again.login("root", "new-password-1").await;
        assert!(again.get("/account").await.text().contains("My account"), "{b}");
        assert_eq!(c.post("/account/language", &[("lang", "fr")]).await.status, 400, "{b}");
        // The switch on a filtered list comes back to the same filter and page, without the
        // last action's notice said again.
        let page = kit::decoded(&c.get("/customers?q=%E5%BC%A0&page=1&done=saved").await.text());
        assert!(page.contains(r#"name="back" value="/customers?q=%E5%BC%A0&page=1""#), "{b}: {page}");
        c.post("/account/language", &[("lang", "zh-CN")]).await;

        // Users: add (password shown once), bad input named, disable and enable.
        let r = c
            .post(
                "/users",
                &[("username", "wang.fang"), ("display_name", "王芳"), ("role", "service_agent"), ("team", "华东")],
            )
            .await;
        assert_eq!(r.status, 200, "{b}");
        let html = r.text();
        let pw = html.split("id=\"new-password\">").nth(1).unwrap().split('<').next().unwrap().to_string();
        // F-14: the generated password works once, to choose one's own; nothing else opens first.
        let mut new = app.client();
        let r = new.login("wang.fang", &pw).await;
        assert_eq!((r.status, r.location()), (303, "/account?must_change=1"), "{b}");
        let r = new.get("/customers").await;
        assert_eq!((r.status, r.location()), (303, "/account?must_change=1"), "{b}");
        assert!(new.get("/account").await.text().contains("别人见过它"), "{b}");
        assert_eq!(new.api("GET", "/api/v1/customers", None).await.json()["code"], "password_change_required", "{b}");
        let r = new.post("/account/password", &[("current", &pw), ("new", "my own secret phrase")]).await;
        assert_eq!(r.status, 303, "{b}");
        assert_eq!(new.get("/customers").await.status, 200, "{b}: open once changed");
        let r = c.post("/users", &[("username", "bad name!"), ("display_name", "X"), ("role", "read_only")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("value=\"bad name!\""), "{b}: typed values kept");
        let id = app.store.user_by_username("wang.fang").await.unwrap().unwrap().id;
        let r = c.post(&format!("/users/{id}/active"), &[("active", "false")]).await;
        assert_eq!(r.status, 303, "{b}");
        assert_eq!(app.client().login("wang.fang", "my own secret phrase").await.status, 401, "{b}: disabled");
        assert_eq!(new.get("/customers").await.status, 303, "{b}: a disabled user's sessions end");
        c.post(&format!("/users/{id}/active"), &[("active", "true")]).await;
        assert_eq!(new.get("/customers").await.status, 303, "{b}: and do not come back on re-enable (F-13)");
        let me = app.store.user_by_username("root").await.unwrap().unwrap().id;
        assert_eq!(c.post(&format!("/users/{me}/active"), &[("active", "false")]).await.status, 400, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_value_card_shows_the_latest_assessment() {
    use guanxi_domain::value::AssessConfig;
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut c = app.signed_in("boss").await;
        let big = kit::customer(&mut c, json!({"kind": "organization", "name": "大单公司"})).await;
        let small = kit::customer(&mut c, json!({"kind": "individual", "name": "小额客户"})).await;
        assert!(c.get(&format!("/customers/{big}")).await.text().contains("还没有价值评估"), "{b}");
        assert!(c.get("/value").await.text().contains("还没有价值评估"), "{b}");
        assert_eq!(c.api("GET", "/api/v1/value", None).await.json()["run"], serde_json::Value::Null, "{b}: no run yet");
        for (id, amount, day) in
            [(big, "50000", "2026-01-10"), (big, "30000", "2026-03-10"), (small, "20", "2026-02-01")]
        {
            let r = c
                .api(
                    "POST",
                    &format!("/api/v1/customers/{id}/orders"),
                    Some(json!({"amount": amount, "ordered_at": day})),
                )
                .await;
            assert_eq!(r.status, 201, "{b}: {}", r.text());
        }
        let as_of = chrono::NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let (a, mut report) = app.store.assess(&AssessConfig::new(as_of)).await.unwrap();
        report["holdout"] = json!({"by_calibration_purchases": [
            {"calibration_purchases": "0", "customers": 1, "predicted_mean": 0.4, "actual_mean": 0.0},
            {"calibration_purchases": "1", "customers": 1, "predicted_mean": 0.9, "actual_mean": 1.0}]});
        app.store.save_assessment(guanxi_store::Actor::SYSTEM, as_of, "week", &report, &a.values).await.unwrap();
        let html = c.get(&format!("/customers/{big}")).await.text();
        assert!(
            html.contains("主客户")
                && html.contains("登门拜访")
                && html.contains("个性化 VIP 服务")
                && html.contains("2026-06-30"),
            "{b}"
        );
        let html = c.get(&format!("/customers/{small}")).await.text();
        assert!(html.contains("普通客户") && html.contains("信函、广告、线上"), "{b}");
        assert_eq!(app.store.latest_value_run().await.unwrap().unwrap().customers, 2, "{b}");
        // The value page: Pareto curve, tiers with revenue shares, the RFM grid.
        let html = c.get("/value").await.text();
        // Three charts (the header's bell is an icon, not a chart).
        let charts = html.matches("<svg").count() - html.matches("<svg class=\"bell-icon\"").count();
        assert!(html.contains("帕累托曲线") && charts == 3, "{b}");
        assert!(html.contains("校验：预测与实际购买次数"), "{b}: the holdout chart");
        assert!(html.contains("主客户") && html.contains("100.0%") && html.contains("2026-06-30"), "{b}");
        let overdue = html.split("超过自身购买节奏未再购买").nth(1).unwrap_or("");
        assert!(overdue.contains("大单公司"), "{b}: buys every 59 days, last in March");
        // Lists filter by tier, RFM segment and P(alive).
        let html = c.get("/customers?tier=key").await.text();
        assert!(html.contains("大单公司") && !html.contains("小额客户"), "{b}");
        let r = c.api("GET", "/api/v1/customers?tier=regular", None).await;
        assert_eq!(r.json()["items"][0]["id"], small, "{b}: {}", r.text());
        assert_eq!(r.json()["total"], 1, "{b}");
        let seg = a.values.iter().find(|v| v.customer_id == big).unwrap().segment.unwrap().code();
        let html = c.get(&format!("/customers?segment={seg}")).await.text();
        assert!(html.contains("大单公司"), "{b}");
        assert_eq!(c.get("/customers?alive=150").await.status, 400, "{b}");
        assert_eq!(c.get("/customers?tier=emperor").await.status, 400, "{b}");
        assert_eq!(c.get("/customers?alive=100").await.status, 200, "{b}");
        let r = c.api("GET", &format!("/api/v1/customers/{big}/value"), None).await;
        assert_eq!(r.json()["tier"], "key", "{b}: {}", r.text());
        assert_eq!(r.json()["as_of"], "2026-06-30", "{b}");
        let r = c.api("GET", "/api/v1/value", None).await;
        let v = r.json();
        assert_eq!(v["run"]["as_of"], "2026-06-30", "{b}: {v}");
        assert!(v["tiers"].as_array().unwrap().iter().any(|t| t["tier"] == "key" && t["customers"] == 1), "{b}");
        assert!(v["overdue"].as_array().unwrap().iter().any(|o| o["customer_id"] == big), "{b}");
        assert_eq!(c.api("GET", "/api/v1/value?alive_below=3", None).await.status, 400, "{b}");
        // The course's recipe: the top N by revenue, split A/B/C among themselves.
        let html = c.get("/value").await.text();
        assert!(html.contains("大客户候选（前 50 名再分 A/B/C）") && html.contains("低于 50%"), "{b}");
        assert!(
            html.contains("大单公司</a></td><td class=\"money\">¥80,000.00</td><td>A</td>"),
            "{b}: the top customer, class A"
        );
        // A manager queues a recompute as of today; the server's job worker runs it.
        let r = c.post("/value/recompute", &[]).await;
        assert_eq!(r.status, 303, "{b}");
        let html = c.get(r.location()).await.text();
        assert!(html.contains("已加入评估队列") && html.contains("手动"), "{b}");
        let done = kit::wait_for_job(&mut c, 1).await;
        assert_eq!(done["result"]["customers"], 2, "{b}: {done}");
        let html = c.get("/value").await.text();
        assert!(html.contains(&guanxi_store::today_in_china().to_string()) && html.contains("已完成"), "{b}");
        let r = c.api("POST", "/api/v1/value/recompute", None).await;
        assert_eq!(r.status, 202, "{b}: {}", r.text());
        assert_eq!(r.json()["kind"], "value.recompute", "{b}");
        kit::wait_for_job(&mut c, 2).await;
        // The worker keeps the nightly recompute scheduled.
        let jobs = c.api("GET", "/api/v1/value/jobs", None).await.json();
        assert!(
            jobs.as_array().unwrap().iter().any(|j| j["kind"] == "value.nightly" && j["state"] == "queued"),
            "{b}: {jobs}"
        );
        let none = kit::customer(&mut c, json!({"kind": "individual", "name": "没买过"})).await;
        assert_eq!(c.api("GET", &format!("/api/v1/customers/{none}/value"), None).await.status, 404, "{b}");
    }
}

/// Value settings: everyone reads them, only admins change them; every bad value is named
/// beside its input with what was typed kept; saved settings are audited and change what the
/// value card recommends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn value_settings_page_and_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        let mut m = app.signed_in("boss").await;
        let html = m.get("/settings/value").await.text();
        assert!(html.contains("价值设置") && html.contains("只有管理员可以修改这些设置"), "{b}");
        assert!(html.contains("name=\"a_share\"") && html.contains("value=\"80\""), "{b}");
        let form = |changes: &[(&'static str, &str)]| {
            let mut f: Vec<(&'static str, String)> = guanxi_domain::value::ValueSettings::default()
                .to_fields()
                .0
                .into_iter()
                .filter(|(f, _)| !f.code().starts_with("approach_"))
                .map(|(f, v)| (f.code(), v))
                .collect();
            for (k, v) in changes {
                f.retain(|(name, _)| name != k);
                f.push((k, v.to_string()));
            }
            f
        };
        let defaults_with = |c: &[(&'static str, &str)]| {
            let mut f = form(c);
            for field in ["approach_key", "approach_major"] {
                for a in ["visit", "phone", "introduction"] {
                    f.push((field, a.to_string()));
                }
            }
            f.push(("approach_regular", "letter".to_string()));
            f.push(("approach_small", "letter".to_string()));
            f
        };
        let pairs = |f: &[(&'static str, String)]| f.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
        assert_eq!(m.post_pairs("/settings/value", &pairs(&defaults_with(&[]))).await.status, 403, "{b}");

        app.user("chief", Role::Admin).await;
        let mut a = app.signed_in("chief").await;
        // Bad values: each named beside its field, what was typed kept.
        let bad =
            defaults_with(&[("window_days", "七天"), ("annual_rate", "250"), ("a_share", "90"), ("b_share", "15")]);
        let r = a.post_pairs("/settings/value", &pairs(&bad)).await;
        assert_eq!(r.status, 422, "{b}");
        let html = r.text();
        assert!(html.contains("分析窗口（天）：“七天” 不是数字") && html.contains("value=\"七天\""), "{b}");
        assert!(html.contains("年折现率（%）：“250” 应在 0 到 100 之间"), "{b}");
        assert!(html.contains("B 类占比（%）：“15” 应在 0 到 9.99 之间"), "{b}");
        // Nothing checked for a tier is an error too.
        let mut none = form(&[]);
        none.push(("approach_key", "visit".into()));
        let r = a.post_pairs("/settings/value", &pairs(&none)).await;
        assert!(r.status == 422 && r.text().contains("大客户接触方式：不能为空"), "{b}");

        // Saved: the regular tier is now phoned, and the change is in the audit log.
        let mut good = defaults_with(&[("top_n", "20"), ("service_regular", "vip")]);
        good.retain(|(k, _)| *k != "approach_regular");
        good.push(("approach_regular", "phone".into()));
        good.push(("approach_regular", "event".into()));
        let r = a.post_pairs("/settings/value", &pairs(&good)).await;
        assert_eq!(r.status, 303, "{b}");
        let html = a.get(r.location()).await.text();
        assert!(html.contains("价值设置已保存"), "{b}");
        let s = app.store.value_settings().await.unwrap();
        assert_eq!(s.top_n, 20, "{b}");
        assert_eq!(s.rule(ValueTier::Regular).approaches, [Approach::Phone, Approach::Event], "{b}");
        assert!(app.store.audit_log(5).await.unwrap().iter().any(|e| e.entity == "settings"), "{b}");

        // The API: the same fields; a partial PUT; bad values and unknown fields named.
        let r = a.api("GET", "/api/v1/settings/value", None).await;
        assert_eq!(
            (r.json()["top_n"].as_str(), r.json()["approach_regular"].as_str()),
            (Some("20"), Some("phone,event")),
            "{b}"
        );
        let r = a.api("PUT", "/api/v1/settings/value", Some(json!({"churn_below": 35, "overdue_factor": "3"}))).await;
        assert_eq!((r.status, r.json()["churn_below"].as_str()), (200, Some("35")), "{b}: {}", r.text());
        assert_eq!(app.store.value_settings().await.unwrap().top_n, 20, "{b}: the rest unchanged");
        let r = a.api("PUT", "/api/v1/settings/value", Some(json!({"horizon_months": 0}))).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(r.text().contains("horizon_months"), "{b}: {}", r.text());
        let r = a.api("PUT", "/api/v1/settings/value", Some(json!({"magic": 1}))).await;
        assert!(r.status == 400 || r.status == 422, "{b}: {}", r.text());
        assert!(r.text().contains("magic"), "{b}");
        let html = a.get("/settings/value").await.text();
        assert!(html.contains("name=\"churn_below\" type=\"text\" value=\"35\""), "{b}");
        assert!(!html.contains("只有管理员可以修改这些设置"), "{b}: editable for admins");
    }
}

/// The list of all orders: newest first, filtered by day, channel, branch and category, with
/// the count and revenue of what matches; a bad filter is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_list_filters_and_totals() {
    for app in apps().await {
        let b = app.backend;
        app.user("clerk", Role::Manager).await;
        let mut c = app.signed_in("clerk").await;
        let a = kit::customer(&mut c, json!({"kind": "individual", "name": "买家甲"})).await;
        let z = kit::customer(&mut c, json!({"kind": "organization", "name": "采购公司"})).await;
        for (id, amount, day, channel, branch) in [
            (a, "100", "2026-01-15 10:00", "store", "北京国贸店"),
            (a, "25.5", "2026-02-10 10:00", "online", "线上商城"),
            (z, "3000", "2026-02-20 23:30", "sales_rep", "北京国贸店"),
        ] {
            let body = json!({"amount": amount, "ordered_at": day, "sales_channel": channel, "branch": branch, "category": "咖啡"});
            let r = c.api("POST", &format!("/api/v1/customers/{id}/orders"), Some(body)).await;
            assert_eq!(r.status, 201, "{b}: {}", r.text());
        }
        let html = c.get("/orders").await.text();
        assert!(html.contains("共 3 笔订单") && html.contains("¥3,125.50"), "{b}");
        assert!(
            html.contains("<th class=\"money\">金额</th>"),
            "{b}: the amount column's header lines up with its amounts"
        );
        let (first, last) = (html.find("采购公司").unwrap(), html.find("2026-01-15").unwrap());
        assert!(first < last, "{b}: newest first");
        let html = c.get("/orders?channel=online").await.text();
        assert!(html.contains("共 1 笔订单") && html.contains("¥25.50"), "{b}");
        let html = c.get("/orders?from=2026-02-01&to=2026-02-20&branch=北京国贸店").await.text();
        assert!(
            html.contains("共 1 笔订单") && html.contains("采购公司") && html.contains("value=\"2026-02-01\""),
            "{b}"
        );
        let r = c.get("/orders?from=2026-13-01").await;
        assert_eq!(r.status, 400, "{b}");
        assert!(r.text().contains("开始日期“2026-13-01”不是有效的日期"), "{b}");
        assert_eq!(c.get("/orders?channel=pigeon").await.status, 400, "{b}");
        let r = c.api("GET", "/api/v1/orders?category=咖啡&per_page=2", None).await;
        let v = r.json();
        assert_eq!((v["total"].as_i64(), v["revenue_fen"].as_i64()), (Some(3), Some(312_550)), "{b}: {v}");
        assert_eq!(v["items"].as_array().unwrap().len(), 2, "{b}");
        assert_eq!(v["items"][0]["customer_name"], "采购公司", "{b}");
        let r = c.api("GET", "/api/v1/orders?to=2026-02-01&from=2026-03-01", None).await;
        assert_eq!(r.status, 400, "{b}: from after to");
    }
}
