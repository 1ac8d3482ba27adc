//! Tasks 待办 and My day 今日 (issue #16): over HTTP as a browser posts, and in headless
//! Chromium.

use crate::kit::browser::Browser;
use crate::kit::{self, apps};
use guanxi_domain::Role;
use serde_json::json;

/// A task made from a customer's page, refused when wrong with each field named, done with a
/// contact logged in one step, put off, and guarded: only its assignee, its creator and
/// managers change it; read-only users make none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_is_made_done_with_its_contact_and_put_off() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        app.user("wang", Role::SalesRep).await;
        app.user("boss", Role::Manager).await;
        app.user("viewer", Role::ReadOnly).await;
        let mut li = app.signed_in("li.na").await;
        let customer = kit::customer(&mut li, json!({"kind": "individual", "name": "周老板", "owner": "li.na"})).await;

        // The home page after signing in is My day.
        let r = li.get("/").await;
        assert_eq!(r.location(), "/today", "{b}");
        let day = kit::decoded(&li.get("/today").await.text());
        assert!(day.contains("今天没有要做的待办"), "{b}");

        // The customer's page offers a task; the form comes filled in with the customer.
        let page = kit::decoded(&li.get(&format!("/customers/{customer}")).await.text());
        assert!(page.contains("这位客户没有未完成的待办"), "{b}");
        let link = format!("/tasks/new?customer={customer}&back=%2Fcustomers%2F{customer}%23tasks");
        assert!(page.contains(&link), "{b}: {page}");
        let form = li.get(&format!("/tasks/new?customer={customer}&back=%2Fcustomers%2F{customer}%23tasks")).await;
        assert!(form.text().contains(&format!("value=\"{customer}\"")), "{b}");

        // Wrong: no title, a time that is none, an unknown kind. Each named, nothing made.
        let back = format!("/customers/{customer}#tasks");
        let cid = customer.to_string();
        let bad =
            [("task_title", ""), ("task_kind", "跳舞"), ("due_time", "25:00"), ("customer", &cid), ("back", &back)];
        let r = li.post("/tasks", &bad).await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        for said in ["待办事项：不能为空", "待办类型：“跳舞” 不是可选值", "具体时间：“25:00” 不是有效的时间"]
        {
            assert!(text.contains(said), "{b}: {said} in {text}");
        }
        assert!(app.store.tasks(&open_of(&app, "li.na").await).await.unwrap().is_empty(), "{b}");

        let ok = [
            ("task_title", "电话回访"),
            ("task_kind", "call"),
            ("due_time", "14点30"),
            ("customer", &cid),
            ("back", &back),
        ];
        let r = li.post("/tasks", &ok).await;
        assert_eq!(r.location(), format!("/customers/{customer}?done=task_created#tasks"), "{b}");
        let tasks = app.store.tasks(&open_of(&app, "li.na").await).await.unwrap();
        assert_eq!(tasks.len(), 1, "{b}");
        let id = tasks[0].id;
        let day = kit::decoded(&li.get("/today").await.text());
        assert!(day.contains("电话回访") && day.contains("今天 14:30") && day.contains("周老板"), "{b}: {day}");

        // Another rep may not tick it; the manager may look at it; read-only users make none.
        let mut wang = app.signed_in("wang").await;
        assert_eq!(wang.post(&format!("/tasks/{id}/done"), &[("result", "x")]).await.status, 403, "{b}");
        let mut viewer = app.signed_in("viewer").await;
        assert_eq!(viewer.post("/tasks", &[("task_title", "偷偷做")]).await.status, 403, "{b}");
        let mut boss = app.signed_in("boss").await;
        let team = kit::decoded(&boss.get("/tasks?who=li.na").await.text());
        assert!(team.contains("电话回访"), "{b}");
        assert_eq!(wang.get("/tasks?who=team").await.status, 403, "{b}: only managers see the team");

        // Put off to tomorrow, then done with a contact logged in the same step.
        let r = li.post(&format!("/tasks/{id}/snooze"), &[("days", "1"), ("back", "/today")]).await;
        assert_eq!(r.location(), "/today?done=task_snoozed", "{b}");
        let tomorrow = guanxi_store::today_in_china() + chrono::Duration::days(1);
        assert_eq!(app.store.task(id).await.unwrap().due_on, tomorrow, "{b}");
        let r = li.post(&format!("/tasks/{id}/snooze"), &[("days", "0")]).await;
        assert_eq!(r.status, 400, "{b}: a bad number of days is refused");
        let r = li
            .post(
                &format!("/tasks/{id}/done"),
                &[("result", "约好周五面谈"), ("log_contact", "yes"), ("channel", "phone"), ("back", "/tasks")],
            )
            .await;
        assert_eq!(r.location(), "/tasks?done=task_logged", "{b}");
        assert!(kit::decoded(&li.get(r.location()).await.text()).contains("待办已完成，并已记为一次联系"), "{b}");
        let contacts = app.store.interactions(customer).await.unwrap();
        assert_eq!(contacts.len(), 1, "{b}");
        assert_eq!(contacts[0].draft.summary, "电话回访：约好周五面谈", "{b}");
        // A second tick (a double click) logs nothing twice.
        li.post(&format!("/tasks/{id}/done"), &[("result", "again"), ("log_contact", "yes")]).await;
        assert_eq!(app.store.interactions(customer).await.unwrap().len(), 1, "{b}");
        let done = kit::decoded(&li.get("/tasks?state=done").await.text());
        assert!(done.contains("约好周五面谈"), "{b}");
        // The customer's history and a missing task call a task a task (待办).
        let history = kit::decoded(&li.get(&format!("/customers/{customer}/history")).await.text());
        assert!(history.contains("待办") && !history.contains("标准动作"), "{b}: {history}");
        let missing = kit::decoded(&li.get("/tasks/999999/edit").await.text());
        assert!(missing.contains("找不到待办 999999"), "{b}: {missing}");
        // An unknown channel is refused with the field named.
        let t2 = li.post("/tasks", &[("task_title", "寄资料"), ("customer", &cid)]).await;
        assert_eq!(t2.status, 303, "{b}");
        let open = app.store.tasks(&open_of(&app, "li.na").await).await.unwrap();
        let r = li.post(&format!("/tasks/{}/done", open[0].id), &[("log_contact", "yes"), ("channel", "飞鸽")]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("渠道：“飞鸽” 不是可选值"), "{b}: {}", r.text());
    }
}

async fn open_of(app: &kit::App, username: &str) -> guanxi_store::TaskFilter {
    let u = app.store.user_by_username(username).await.unwrap().unwrap();
    guanxi_store::TaskFilter { assignees: Some(vec![u.id]), limit: 50, ..Default::default() }
}

/// My day lists the birthdays of the week: the customer's own, a key person's, and someone's
/// around them, with what they like; a manager sees the team's customers too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_day_lists_the_birthdays_of_the_week() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        app.user("boss", Role::Manager).await;
        let mut li = app.signed_in("li.na").await;
        let today = guanxi_store::today_in_china();
        let born = |years: i32, days: i64| {
            let d = today + chrono::Duration::days(days);
            chrono::NaiveDate::from_ymd_opt(
                chrono::Datelike::year(&d) - years,
                chrono::Datelike::month(&d),
                chrono::Datelike::day(&d),
            )
            .unwrap_or(d)
            .to_string()
        };
        let person = kit::customer(
            &mut li,
            json!({"kind": "individual", "name": "陈女士", "owner": "li.na", "birthday": born(40, 0), "preferences": [{"category": "饮品", "value": "普洱"}]}),
        )
        .await;
        let org = kit::customer(&mut li, json!({"kind": "organization", "name": "远航公司", "owner": "li.na"})).await;
        li.post(
            &format!("/customers/{org}/key-people"),
            &[("name", "刘总"), ("job_title", "总经理"), ("birthday", &born(50, 2))],
        )
        .await;
        li.post(
            &format!("/customers/{person}/people-around"),
            &[("name", "陈小宝"), ("relation", "child"), ("birthday", &born(6, 3)), ("interests", "乐高")],
        )
        .await;
        // Not this week: nothing shown for it.
        kit::customer(
            &mut li,
            json!({"kind": "individual", "name": "远在下月", "owner": "li.na", "birthday": born(30, 20)}),
        )
        .await;

        let day = kit::decoded(&li.get("/today").await.text());
        assert!(day.contains("陈女士 40 岁生日") && day.contains("饮品：普洱"), "{b}: {day}");
        assert!(day.contains("刘总 50 岁生日") && day.contains("关键人物（总经理）"), "{b}");
        assert!(day.contains("陈小宝 6 岁生日") && day.contains("陈女士的子女") && day.contains("乐高"), "{b}");
        assert!(!day.contains("远在下月"), "{b}");
        // "Make it a task" opens the form filled in for a gift on the day.
        assert!(day.contains(&format!("/tasks/new?customer={person}&title=")), "{b}");
        let form = kit::decoded(
            &li.get(&format!("/tasks/new?customer={person}&title=%E7%94%9F%E6%97%A5&kind=gift")).await.text(),
        );
        assert!(form.contains("value=\"生日\"") && form.contains("<option value=\"gift\" selected"), "{b}: {form}");
        // The manager's day has the team's customers.
        let mut boss = app.signed_in("boss").await;
        assert!(kit::decoded(&boss.get("/today").await.text()).contains("陈女士 40 岁生日"), "{b}");
        // In English too.
        li.post("/account/language", &[("lang", "en"), ("back", "/today")]).await;
        let en = kit::decoded(&li.get("/today").await.text());
        assert!(en.contains("陈女士 turns 40") && en.contains("child of 陈女士"), "{b}: {en}");
    }
}

/// The walk of the issue in a real browser: sign in to My day, make a task from a customer's
/// page, tick it done with what came of it, and find the contact on the customer's timeline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_day_in_the_browser() {
    let Some(br) = Browser::start().await else { return };
    for app in apps().await {
        let b = app.backend;
        let shot = |name: &str| format!("{b}-tasks-{name}");
        app.user("li.na", Role::SalesRep).await;
        let mut li = app.signed_in("li.na").await;
        let customer = kit::customer(&mut li, json!({"kind": "individual", "name": "杨先生", "owner": "li.na"})).await;

        br.delete_cookies().await;
        br.goto(&app.url("/login")).await;
        br.type_into("#username", "li.na").await;
        br.type_into("#password", kit::PASSWORD).await;
        br.follow("button[type=submit]").await;
        assert!(br.url().await.ends_with("/today"), "{b}: {}", br.url().await);
        br.screenshot(&shot("01-my-day-empty")).await;

        br.goto(&app.url(&format!("/customers/{customer}"))).await;
        br.follow("#add-task").await;
        br.type_into("#f-task_title", "上门拜访，带样品").await;
        br.select("#f-task_kind", "visit").await;
        br.follow("#task-form button[type=submit]").await;
        assert!(br.text().await.contains("待办已建好"), "{b}");
        assert!(br.url().await.contains(&format!("/customers/{customer}")), "{b}");

        br.goto(&app.url("/today")).await;
        let text = br.text().await;
        assert!(text.contains("上门拜访，带样品") && text.contains("杨先生"), "{b}: {text}");
        br.click("li.task details.task-done summary").await;
        br.type_into("li.task textarea[name=result]", "客户订了两箱").await;
        br.screenshot(&shot("02-done-form")).await;
        br.follow("li.task details.task-done button[type=submit]").await;
        let text = br.text().await;
        assert!(text.contains("待办已完成，并已记为一次联系") && text.contains("今天没有要做的待办"), "{b}: {text}");

        br.goto(&app.url(&format!("/customers/{customer}"))).await;
        let text = br.text().await;
        assert!(text.contains("上门拜访，带样品：客户订了两箱"), "{b}: the contact is on the timeline");
        br.screenshot(&shot("03-customer-timeline")).await;
    }
    br.quit().await;
}

/// The API: create, list, change, done with a contact, reopen; My day as data; every answer as
/// the OpenAPI document says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_over_the_api() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        app.user("wang", Role::SalesRep).await;
        let mut li = app.signed_in("li.na").await;
        let customer = kit::customer(&mut li, json!({"kind": "individual", "name": "黄药师", "owner": "li.na"})).await;
        let r = li.api("POST", "/api/v1/tasks", Some(json!({"task_title": "", "due_time": "午饭后"}))).await;
        assert_eq!(r.status, 422, "{b}");
        let fields: Vec<String> = r.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap_or("").to_string())
            .collect();
        assert_eq!(fields, ["task_title", "due_time"], "{b}");
        let r = li
            .api(
                "POST",
                "/api/v1/tasks",
                Some(json!({"task_title": "送茶叶", "task_kind": "gift", "customer": customer.to_string()})),
            )
            .await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let task = r.json();
        let id = task["id"].as_i64().unwrap();
        assert_eq!((task["task_kind"].as_str(), task["customer_name"].as_str()), (Some("gift"), Some("黄药师")), "{b}");
        let list = li.api("GET", "/api/v1/tasks", None).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{b}");
        let day = li.api("GET", "/api/v1/today", None).await.json();
        assert_eq!(day["tasks"][0]["id"], id, "{b}: {day}");
        // Given to a colleague by a PATCH of one field.
        let r = li.api("PATCH", &format!("/api/v1/tasks/{id}"), Some(json!({"assignee": "wang"}))).await;
        assert_eq!(r.json()["assignee"], "wang", "{b}");
        assert_eq!(li.api("GET", "/api/v1/tasks", None).await.json().as_array().map(Vec::len), Some(0), "{b}");
        let mut wang = app.signed_in("wang").await;
        let r = wang
            .api("POST", &format!("/api/v1/tasks/{id}/done"), Some(json!({"result": "送到了", "log_contact": "yes"})))
            .await;
        assert_eq!(r.status, 200, "{b}: {}", r.text());
        let done = r.json();
        assert!(done["interaction_id"].as_i64().is_some() && done["done_by"] == "wang", "{b}: {done}");
        assert_eq!(
            app.store.interactions(customer).await.unwrap()[0].draft.channel,
            guanxi_domain::Channel::FaceToFace,
            "{b}: a gift is given face to face"
        );
        let r = wang.api("POST", &format!("/api/v1/tasks/{id}/reopen"), None).await;
        assert!(r.json()["done_at"].is_null(), "{b}");
        // A customer's tasks, anyone's; a bad state named.
        let theirs = li.api("GET", &format!("/api/v1/tasks?customer={customer}"), None).await.json();
        assert_eq!(theirs.as_array().map(Vec::len), Some(1), "{b}");
        assert_eq!(li.api("GET", "/api/v1/tasks?state=later", None).await.status, 400, "{b}");
        let doc = kit::openapi::document(&app.addr).await;
        let (task_schema, today_schema) =
            (json!({"$ref": "#/components/schemas/Task"}), json!({"$ref": "#/components/schemas/Today"}));
        kit::openapi::valid(doc, &task_schema, &done, "task").unwrap_or_else(|e| panic!("{b}: {e}"));
        kit::openapi::valid(doc, &today_schema, &day, "today").unwrap_or_else(|e| panic!("{b}: {e}"));
    }
}

/// My day lists the customers past their tier's visit interval (a value setting): a key account
/// last met 100 days ago is due, one met yesterday is not; the interval is changed on the value
/// settings page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_due_for_a_visit_by_their_tier() {
    for app in apps().await {
        let b = app.backend;
        app.user("li.na", Role::SalesRep).await;
        app.user("root", Role::Admin).await;
        let mut li = app.signed_in("li.na").await;
        let long_ago = (guanxi_store::today_in_china() - chrono::Duration::days(100)).to_string();
        let yesterday = (guanxi_store::today_in_china() - chrono::Duration::days(1)).to_string();
        for (name, met) in [("久未拜访公司", &long_ago), ("刚见过公司", &yesterday)] {
            let id = kit::customer(&mut li, json!({"kind": "organization", "name": name, "owner": "li.na"})).await;
            let r = li
                .api(
                    "POST",
                    &format!("/api/v1/customers/{id}/orders"),
                    Some(json!({"amount": "50000", "ordered_at": long_ago})),
                )
                .await;
            assert_eq!(r.status, 201, "{b}: {}", r.text());
            let r = li
                .api(
                    "POST",
                    &format!("/api/v1/customers/{id}/interactions"),
                    Some(json!({"channel": "face_to_face", "summary": "拜访", "occurred_at": format!("{met} 10:00")})),
                )
                .await;
            assert_eq!(r.status, 201, "{b}: {}", r.text());
        }
        app.store.assess_today(guanxi_store::Actor::SYSTEM).await.unwrap();
        let day = kit::decoded(&li.get("/today").await.text());
        let section =
            day.split("id=\"visits-due\"").nth(1).unwrap_or("").split("</section>").next().unwrap_or("").to_string();
        assert!(section.contains("久未拜访公司") && section.contains("应每 30 天一次"), "{b}: {section}");
        assert!(!section.contains("刚见过公司"), "{b}");
        // An admin turns the key accounts' reminder off: nobody is due.
        let mut root = app.signed_in("root").await;
        let settings = kit::decoded(&root.get("/settings/value").await.text());
        assert!(settings.contains("主客户拜访间隔"), "{b}");
        let mut fields = app.store.value_settings().await.unwrap().to_fields();
        for tier in ["visit_key", "visit_major"] {
            fields.set(guanxi_domain::Field::from_code(tier).unwrap(), "0");
        }
        let pairs: Vec<(&str, String)> = fields.0.iter().map(|(f, v)| (f.code(), v.clone())).collect();
        let r = root.post_pairs("/settings/value", &pairs).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let day = kit::decoded(&li.get("/today").await.text());
        assert!(day.contains("没有该拜访的客户"), "{b}");
    }
}
