//! The main flows in real headless Chromium, with a screenshot of each main page under
//! `target/screenshots/`.

use crate::kit::browser::Browser;
use crate::kit::{self, App, apps};
use guanxi_domain::Role;

async fn sign_in(br: &Browser, app: &App, username: &str, password: &str) {
    br.goto(&app.url("/login")).await;
    br.type_into("#username", username).await;
    br.type_into("#password", password).await;
    br.follow("button[type=submit]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_in_the_browser() {
    let Some(br) = Browser::start().await else { return };
    for app in apps().await {
        let b = app.backend;
        let shot = |name: &str| format!("{b}-{name}");
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        app.user("chief", Role::Admin).await;

        // Wrong password, then the right one.
        br.delete_cookies().await;
        sign_in(&br, &app, "boss", "not-the-password").await;
        assert!(br.text().await.contains("用户名或密码不正确"), "{b}");
        assert!(br.source().await.contains("value=\"boss\""), "{b}: the username is kept");
        br.screenshot(&shot("01-login-error")).await;
        sign_in(&br, &app, "boss", kit::PASSWORD).await;
        assert!(br.url().await.ends_with("/today"), "{b}: {}", br.url().await);
        assert!(br.text().await.contains("客户"), "{b}");

        // Create an individual: a bad phone first, then fixed; preferences at the top.
        br.goto(&app.url("/customers/new?kind=individual")).await;
        br.type_into("#f-name", "张三丰").await;
        br.type_into("#f-phone", "12345").await;
        br.type_into("#f-preferences", "饮品：冰摩卡，两块糖两块冰\n座位：角落").await;
        br.follow(".form-actions button[type=submit]").await;
        let text = br.text().await;
        assert!(text.contains("请修改标出的内容"), "{b}: {text}");
        br.screenshot(&shot("02-form-errors")).await;
        br.type_into("#f-phone", "13800138000").await;
        br.follow(".form-actions button[type=submit]").await;
        assert!(br.text().await.contains("客户已创建"), "{b}");
        let person_url = br.url().await;
        assert!(br.text().await.contains("冰摩卡，两块糖两块冰"), "{b}");

        // Log an interaction in three clicks: open the form, type, submit.
        br.click("details.log summary").await;
        br.type_into("#f-summary", "到店，点了冰摩卡，坐角落").await;
        br.follow("#log-submit").await;
        let text = br.text().await;
        assert!(text.contains("互动已记录") && text.contains("到店，点了冰摩卡，坐角落"), "{b}");
        // Record what they bought.
        br.click("#purchases details summary").await;
        br.type_into("#f-amount", "38").await;
        br.type_into("#f-category", "咖啡").await;
        br.follow("#order-submit").await;
        assert!(br.text().await.contains("订单已记录"), "{b}");
        br.screenshot(&shot("03-archive-individual")).await;

        // An organization with a key person.
        br.goto(&app.url("/customers/new?kind=organization")).await;
        br.type_into("#f-name", "杭州云帆科技有限公司").await;
        br.type_into("#f-industry", "软件").await;
        br.follow(".form-actions button[type=submit]").await;
        assert!(br.text().await.contains("客户已创建"), "{b}");
        br.click("#key-people details summary").await;
        br.type_into("#key-people #f-name", "刘总").await;
        br.type_into("#key-people #f-job_title", "采购总监").await;
        br.select("#key-people #f-decision_role", "decision_maker").await;
        br.select("#key-people #f-attitude", "supporter").await;
        br.follow("#key-people form button[type=submit]").await;
        let text = br.text().await;
        assert!(text.contains("刘总") && text.contains("决策者") && text.contains("支持者"), "{b}: {text}");
        br.screenshot(&shot("04-archive-organization")).await;

        // Find the customer by pinyin initials.
        br.goto(&app.url("/customers")).await;
        br.type_into("#q", "zsf").await;
        br.follow(".searchbar button").await;
        assert!(br.text().await.contains("张三丰"), "{b}");
        br.screenshot(&shot("05-search-initials")).await;
        br.follow("table.list a").await;
        assert_eq!(br.url().await, person_url.split('?').next().unwrap(), "{b}");

        // Switch the language; the account remembers it.
        br.follow("#switch-language").await;
        assert!(br.text().await.contains("Interactions"), "{b}: {}", br.text().await);
        br.goto(&app.url("/customers")).await;
        assert!(br.text().await.contains("Customers"), "{b}");
        br.screenshot(&shot("06-list-english")).await;
        br.follow("#switch-language").await;
        assert!(br.text().await.contains("新建客户"), "{b}");

        // Import a file with one bad row: it is reported before anything is written.
        let file = app.scratch.file("guanxi-web-tests", "import", "csv");
        std::fs::write(&file, "姓名,手机,城市\n王小明,13911112222,北京\n赵大海,999,上海\n").unwrap();
        br.goto(&app.url("/import")).await;
        br.type_into("#file", file.to_str().unwrap()).await;
        br.follow("main form button[type=submit]").await;
        let text = br.text().await;
        assert!(text.contains("第 3 行") && text.contains("999"), "{b}: {text}");
        br.screenshot(&shot("07-import-check")).await;
        br.follow("button[value=partial]").await;
        assert!(br.text().await.contains("导入完成"), "{b}");

        // Other main pages, for the record.
        for (name, path) in
            [("08-duplicates", "/duplicates"), ("09-bin", "/bin"), ("10-account", "/account"), ("11-export", "/export")]
        {
            br.goto(&app.url(path)).await;
            br.screenshot(&shot(name)).await;
        }

        // The value page: a manager starts a recompute; it runs in the background.
        br.goto(&app.url("/value")).await;
        br.follow("form[action='/value/recompute'] button").await;
        assert!(br.text().await.contains("已加入评估队列"), "{b}");
        let mut done = false;
        for _ in 0..200 {
            br.goto(&app.url("/value")).await;
            if br.text().await.contains("已完成") {
                done = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(done, "{b}: the recompute finished");
        br.screenshot(&shot("15-value")).await;
        br.follow("a[href='/settings/value']").await;
        assert!(br.text().await.contains("只有管理员可以修改这些设置"), "{b}");

        // An admin changes the value settings: a bad number is named, then a good one saved.
        br.follow("header form[action='/logout'] button").await;
        sign_in(&br, &app, "chief", kit::PASSWORD).await;
        br.goto(&app.url("/settings/value")).await;
        br.type_into("#f-top_n", "三十").await;
        br.follow("main form button[type=submit]").await;
        let text = br.text().await;
        assert!(text.contains("大客户候选人数：“三十” 不是数字"), "{b}: {text}");
        br.screenshot(&shot("16-settings-error")).await;
        br.type_into("#f-top_n", "30").await;
        br.click("input[name=approach_small][value=online]").await;
        br.follow("main form button[type=submit]").await;
        assert!(br.text().await.contains("价值设置已保存"), "{b}");
        let s = app.store.value_settings().await.unwrap();
        assert_eq!(s.top_n, 30, "{b}");
        assert!(!s.rule(guanxi_domain::ValueTier::Small).approaches.contains(&guanxi_domain::value::Approach::Online));

        // A sales rep is refused an export, with the reason.
        br.follow("header form[action='/logout'] button").await;
        sign_in(&br, &app, "li.na", kit::PASSWORD).await;
        assert!(!br.source().await.contains("href=\"/export"), "{b}: no export button");
        br.goto(&app.url("/export")).await;
        let text = br.text().await;
        assert!(text.contains("没有权限") && text.contains("只有销售经理和管理员"), "{b}: {text}");
        br.screenshot(&shot("12-rep-denied-export")).await;

        // The phone-width layout for reps in the field.
        br.resize(390, 844).await;
        br.goto(&app.url("/customers")).await;
        br.screenshot(&shot("13-phone-list")).await;
        br.goto(&person_url).await;
        br.screenshot(&shot("14-phone-archive")).await;
        br.resize(1280, 900).await;
        br.delete_cookies().await;
    }
    br.quit().await;
}

/// Moves the deal on its page to its next stage, checking that the button names `stage`.
async fn move_to(br: &Browser, stage: &str) {
    let label = guanxi_domain::sales::Stage::parse(stage).expect("a stage").label(guanxi_domain::Lang::ZhCn);
    let button = br.script("return document.querySelector('#move-submit').textContent").await;
    assert!(button.as_str().is_some_and(|t| t.contains(label)), "the forward button names {label}: {button}");
    br.follow("#move-submit").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deal_through_every_stage_in_the_browser() {
    use guanxi_domain::*;
    let Some(br) = Browser::start().await else { return };
    for app in apps().await {
        let b = app.backend;
        let shot = |name: &str| format!("{b}-sales-{name}");
        let rep = app.user("li.na", Role::SalesRep).await;
        app.user("boss", Role::Manager).await;
        let today = guanxi_store::today_in_china();
        let org = CustomerDraft::parse(
            &Raw::new()
                .with(Field::Kind, "organization")
                .with(Field::Name, "宁波海天机械有限公司")
                .with(Field::Owner, "li.na"),
            today,
        )
        .unwrap();
        let customer = app.store.create_customer(guanxi_store::Actor(rep.id), &org).await.unwrap();
        let kp = KeyPersonDraft::parse(
            &Raw::new()
                .with(Field::Name, "陈总")
                .with(Field::DecisionRole, "decision_maker")
                .with(Field::Attitude, "supporter"),
            today,
        )
        .unwrap();
        app.store.add_key_person(guanxi_store::Actor(rep.id), customer, &kp).await.unwrap();

        br.delete_cookies().await;
        sign_in(&br, &app, "li.na", kit::PASSWORD).await;
        br.goto(&app.url(&format!("/customers/{customer}"))).await;
        br.follow("#new-deal").await;
        br.type_into("#f-title", "注塑机更新").await;
        br.type_into("#f-amount", "1200000").await;
        br.follow("#create-deal").await;
        let deal_url = br.url().await;
        assert!(deal_url.contains("/opportunities/"), "{b}: {deal_url}");

        // A blocked move names what is missing.
        move_to(&br, "approach").await;
        let text = br.text().await;
        assert!(text.contains("还不能进入") && text.contains("确认购买能力"), "{b}: {text}");
        br.screenshot(&shot("01-blocked")).await;

        // Qualify and prepare the approach, then move stage by stage.
        for f in ["purchasing_power", "decision_authority", "need"] {
            br.select(&format!("#f-{f}"), "yes").await;
        }
        br.select("#f-appointment", "visit").await;
        br.type_into("#f-preparation", "带注塑样件上门").await;
        br.follow("#save-deal").await;
        move_to(&br, "approach").await;
        assert!(br.text().await.contains("商机已推进"), "{b}");
        move_to(&br, "negotiation").await;
        // Negotiation: a contact on the deal and the decision maker engaged.
        br.click("#h-contacts ~ details summary").await;
        br.type_into("#contact-form #f-summary", "车间现场看样").await;
        br.type_into("#contact-form #f-place", "宁波工厂").await;
        br.follow("#contact-form button[type=submit]").await;
        br.select("#chain-person", &app.store.key_people(customer).await.unwrap()[0].id.to_string()).await;
        br.follow("#chain-submit").await;
        assert!(!br.text().await.contains("没有决策者参与"), "{b}");
        move_to(&br, "objections").await;
        // Moving back is its own action, and only once confirmed (issue #22: the move form's
        // first option once sent a deal at objection handling back to the start).
        br.click("#move-back summary").await;
        br.select("#back-stage", "qualify").await;
        br.script("document.querySelector('#confirm-back').required = false").await;
        br.follow("#move-back-submit").await;
        assert!(br.text().await.contains("需要确认"), "{b}: not moved back without the tick");
        br.click("#confirm-back").await;
        br.follow("#move-back-submit").await;
        assert!(br.text().await.contains("退回到更早的阶段"), "{b}");
        for stage in ["approach", "negotiation", "objections"] {
            move_to(&br, stage).await;
        }
        // An objection, answered and resolved.
        br.click("#h-objections ~ details summary").await;
        br.type_into("#objection-form #f-objection", "价格比竞品高 5%").await;
        br.select("#objection-form #f-cause", "price").await;
        br.type_into("#objection-form #f-answer", "三年免费维保，总成本更低").await;
        br.select("#objection-form #f-resolved", "yes").await;
        br.follow("#objection-form button[type=submit]").await;
        move_to(&br, "closing").await;
        br.follow("li[data-action=terms] form button").await;
        br.click("#close summary").await;
        br.follow("#win-submit").await;
        let text = br.text().await;
        assert!(text.contains("赢单") && text.contains("满意度回访"), "{b}: {text}");
        br.screenshot(&shot("02-won")).await;
        // The win is the customer's order: it counts in their purchases (issue #22).
        let rollup = app.store.rollup(customer).await.unwrap().expect("an order from the win");
        assert_eq!(rollup.orders, 1, "{b}");
        assert_eq!(
            app.store
                .opportunity_changes(deal_url.rsplit('/').next().unwrap().split('?').next().unwrap().parse().unwrap())
                .await
                .unwrap()
                .len(),
            10,
            "{b}: six moves forward, one back, three forward again"
        );

        // A manager overrides on a new deal, from the board by dragging its card.
        let d = guanxi_domain::sales::OpportunityDraft::parse(&Raw::new().with(Field::Title, "模具维保")).unwrap();
        let second = app.store.create_opportunity(guanxi_store::Actor(rep.id), customer, &d).await.unwrap();
        br.follow("header form[action='/logout'] button").await;
        sign_in(&br, &app, "boss", kit::PASSWORD).await;
        br.goto(&app.url("/opportunities/board")).await;
        br.type_into(&format!(".card[data-id=\"{second}\"] input[name=override_reason]"), "老客户续约，免识别").await;
        br.follow_script(&format!(
            "const card = document.querySelector('.card[data-id=\"{second}\"]');
             const col = document.querySelector('.column[data-stage=\"negotiation\"]');
             const dt = new DataTransfer();
             card.dispatchEvent(new DragEvent('dragstart', {{bubbles: true, dataTransfer: dt}}));
             col.dispatchEvent(new DragEvent('dragover', {{bubbles: true, cancelable: true, dataTransfer: dt}}));
             col.dispatchEvent(new DragEvent('drop', {{bubbles: true, cancelable: true, dataTransfer: dt}}));"
        ))
        .await;
        assert!(br.url().await.contains("/opportunities/board"), "{b}: {}", br.url().await);
        assert!(br.text().await.contains("商机已推进"), "{b}");
        let moved = app.store.opportunity(second).await.unwrap();
        assert_eq!(moved.stage, guanxi_domain::sales::Stage::Negotiation, "{b}");
        let history = app.store.opportunity_changes(second).await.unwrap();
        assert_eq!(history[1].override_reason.as_deref(), Some("老客户续约，免识别"), "{b}");
        br.screenshot(&shot("03-board")).await;

        // The reports page.
        br.goto(&app.url("/opportunities/reports")).await;
        let text = br.text().await;
        assert!(text.contains("销售漏斗") && text.contains("赢单率") && text.contains("100%"), "{b}: {text}");
        assert!(br.source().await.contains("<svg"), "{b}");
        // Chart labels read at normal zoom (issue #22: about 8 px, three charts to a row): the
        // smallest a 12-unit label is drawn, in pixels.
        let smallest = br
            .script(
                "return Math.min(...[...document.querySelectorAll('svg.chart')].map(s => \
                 12 * s.getBoundingClientRect().width / s.viewBox.baseVal.width))",
            )
            .await
            .as_f64()
            .unwrap_or(0.0);
        assert!(smallest >= 10.5, "{b}: chart labels drawn at {smallest:.1} px");
        br.screenshot(&shot("04-reports")).await;
        br.delete_cookies().await;
    }
    br.quit().await;
}

/// The relationship flows in the browser: a ten-signs health check, a survey answered through
/// its public link by someone not signed in, the quadrant page after a manager's recompute, a
/// referral, and a win-back case from opening to the outcome.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relationships_in_the_browser() {
    use guanxi_domain::*;
    let Some(br) = Browser::start().await else { return };
    for app in apps().await {
        let b = app.backend;
        let shot = |name: &str| format!("{b}-relationships-{name}");
        let rep = app.user("li.na", Role::SalesRep).await;
        app.user("boss", Role::Manager).await;
        let today = guanxi_store::today_in_china();
        let actor = guanxi_store::Actor(rep.id);
        let org = CustomerDraft::parse(
            &Raw::new()
                .with(Field::Kind, "organization")
                .with(Field::Name, "杭州丝路贸易有限公司")
                .with(Field::Owner, "li.na"),
            today,
        )
        .unwrap();
        let a = app.store.create_customer(actor, &org).await.unwrap();
        let person =
            CustomerDraft::parse(&Raw::new().with(Field::Name, "林小姐").with(Field::Owner, "li.na"), today).unwrap();
        let friend = app.store.create_customer(actor, &person).await.unwrap();
        // Three years of orders: a loyal customer.
        let rows: Vec<(usize, orders::OrderDraft)> = ["2024-01-15", "2024-09-02", "2025-05-20", "2026-02-11"]
            .iter()
            .enumerate()
            .map(|(i, day)| {
                let raw =
                    Raw::new().with(Field::Id, a.to_string()).with(Field::OrderedAt, *day).with(Field::Amount, "8000");
                (i + 2, orders::OrderDraft::parse(&raw, chrono::Utc::now()).unwrap())
            })
            .collect();
        app.store.import_orders(actor, "o.csv", &rows, false).await.unwrap();

        br.delete_cookies().await;
        sign_in(&br, &app, "li.na", kit::PASSWORD).await;
        // The health check: four signs judged by the rep (enough for a score), a note.
        br.goto(&app.url(&format!("/customers/{a}"))).await;
        br.follow("#health-link").await;
        br.select("#f-thinks_we_are_best", "yes").await;
        br.select("#f-needs_us", "yes").await;
        br.select("#f-believes_we_help", "yes").await;
        br.select("#f-scolds_us", "no").await;
        br.type_into("#f-notes", "年中回访后检查").await;
        br.follow("#health-submit").await;
        let text = br.text().await;
        assert!(
            text.contains("已保存") && text.contains("是 3 · 否 1 · 不清楚 6") && text.contains("年中回访后检查"),
            "{b}: {text}"
        );
        br.screenshot(&shot("01-health-check")).await;

        // A survey link, answered by the customer without signing in; a second answer is refused.
        br.goto(&app.url(&format!("/customers/{a}/surveys"))).await;
        br.type_into("#link-reference", "2026 年度采购").await;
        br.follow("#link-submit").await;
        let link =
            br.script("return document.querySelector('input.link-url').value").await.as_str().unwrap().to_string();
        assert!(link.contains("/s/"), "{b}: {link}");
        br.screenshot(&shot("02-survey-link")).await;
        br.delete_cookies().await;
        br.goto(&link).await;
        br.select("#f-satisfied", "yes").await;
        br.select("#f-buy_again", "yes").await;
        br.select("#f-recommend", "yes").await;
        br.select("#f-expectation", "3").await;
        br.select("#f-experience", "5").await;
        br.type_into("#f-comment", "交货准时，服务周到").await;
        br.screenshot(&shot("03-survey-public")).await;
        br.follow("#survey-submit").await;
        assert!(br.text().await.contains("已收到您的回答"), "{b}");
        br.goto(&link).await;
        assert!(br.text().await.contains("只能填写一次"), "{b}");
        br.screenshot(&shot("04-survey-used")).await;

        // The quadrant after a manager's recompute: the customer is an apostle.
        sign_in(&br, &app, "boss", kit::PASSWORD).await;
        br.goto(&app.url("/relationships/quadrant")).await;
        br.follow("#recompute").await;
        let mut text = String::new();
        for _ in 0..100 {
            br.goto(&app.url("/relationships/quadrant?quadrant=apostle")).await;
            text = br.text().await;
            // The customer's own row may be written by a page view before the recompute ends;
            // the chart comes with the recompute's run.
            if text.contains("杭州丝路贸易有限公司") && br.source().await.contains("class=\"chart scatter\"")
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(text.contains("杭州丝路贸易有限公司") && text.contains("传道者"), "{b}: {text}");
        assert!(br.source().await.contains("class=\"chart scatter\""), "{b}");
        br.screenshot(&shot("05-quadrant")).await;
        br.goto(&app.url("/relationships")).await;
        assert!(br.text().await.contains("杭州丝路贸易有限公司"), "{b}: checked, so on the health list");
        br.screenshot(&shot("06-health-list")).await;

        // A referral, named by the referrer's full name.
        br.delete_cookies().await;
        sign_in(&br, &app, "li.na", kit::PASSWORD).await;
        br.goto(&app.url(&format!("/customers/{friend}"))).await;
        br.click("#referral-panel summary").await;
        br.type_into("#referral-form #f-referrer", "杭州丝路贸易有限公司").await;
        br.select("#referral-form #f-reward_kind", "gift").await;
        br.type_into("#referral-form #f-reward", "西湖龙井").await;
        br.follow("#referral-submit").await;
        let text = br.text().await;
        assert!(text.contains("由谁推荐：杭州丝路贸易有限公司") && text.contains("西湖龙井"), "{b}: {text}");
        br.screenshot(&shot("07-referral")).await;

        // A win-back case: opened by hand, an attempt, won back.
        br.goto(&app.url(&format!("/customers/{a}"))).await;
        br.follow("#open-winback").await;
        assert!(br.text().await.contains("不用物质利诱"), "{b}");
        br.select("#f-channel", "phone").await;
        br.type_into("#f-what", "电话问候，说明停用后的服务记录会中断").await;
        br.type_into("#f-their_response", "下周来店里谈").await;
        br.follow("#attempt-submit").await;
        br.select("#f-outcome", "won_back").await;
        br.follow("#close-submit").await;
        let text = br.text().await;
        assert!(text.contains("已挽回") && text.contains("下周来店里谈"), "{b}: {text}");
        br.screenshot(&shot("08-winback")).await;
    }
    br.quit().await;
}
