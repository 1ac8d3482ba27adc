//! Festival greetings on the web (issue #16): a manager sees the festivals ahead with their days
//! (the lunar ones worked out for the year), makes a festival's greeting from a template, and
//! lands on its cadence, which starts on the day; wrong choices are named; reps may not.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use guanxi_domain::festivals::{Festival, upcoming};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_prepares_a_festival_greeting() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        let mut boss = app.signed_in("boss").await;
        let mut li = app.signed_in("li.na").await;
        assert_eq!(li.get("/greetings").await.status, 403, "{b}");

        let today = guanxi_store::today_in_china();
        let spring = Festival::SpringFestival.next_on_or_after(today).unwrap();
        let page = kit::decoded(&boss.get("/greetings").await.text());
        assert!(
            page.contains("春节") && page.contains(&spring.to_string()) && page.contains("正月初一"),
            "{b}: {page}"
        );
        assert!(page.contains("还没有消息模板"), "{b}: says to write a template first");
        // Soonest first.
        let order: Vec<usize> =
            upcoming(today).iter().filter_map(|(f, _)| page.find(&format!("id=\"festival-{}\"", f.code()))).collect();
        assert!(order.len() == Festival::ALL.len() && order.windows(2).all(|w| w[0] < w[1]), "{b}: {order:?}");

        let r = boss
            .post(
                "/templates",
                &[
                    ("template_name", "新春问候"),
                    ("message_channel", "email"),
                    ("subject", "{{称呼}}，新春快乐"),
                    ("body", "祝{{称呼}}新春快乐！"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let template = app.store.templates().await.unwrap()[0].id.to_string();
        let r = boss.post("/greetings", &[("festival", "groundhog_day"), ("template", &template)]).await;
        assert_eq!(r.status, 422, "{b}");
        assert!(kit::decoded(&r.text()).contains("节日：请选择一个节日：元旦、春节"), "{b}");
        let r = boss.post("/greetings", &[("festival", "spring_festival"), ("template", "")]).await;
        assert_eq!(r.status, 422, "{b}");

        let r = boss.post("/greetings", &[("festival", "spring_festival"), ("template", &template)]).await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        assert!(r.location().ends_with("?done=cadence_saved"), "{b}: {}", r.location());
        // Again (a second click): the greeting made, not a second one.
        let again = boss.post("/greetings", &[("festival", "spring_festival"), ("template", &template)]).await;
        assert_eq!(again.location(), r.location().trim_end_matches("?done=cadence_saved"), "{b}");
        assert_eq!(app.store.cadences().await.unwrap().len(), 1, "{b}");
        let cadence = kit::decoded(&boss.get(r.location()).await.text());
        assert!(cadence.contains(&format!("春节问候（{}）", chrono::Datelike::year(&spring))), "{b}: {cadence}");
        assert!(cadence.contains(&format!("从这天开始：{spring}")), "{b}: {cadence}");
        let page = kit::decoded(&boss.get("/greetings").await.text());
        assert!(page.contains("已准备的问候") && page.contains("春节问候"), "{b}");

        // Paused: said on its page and in the list; nobody can be put in; a rep may not resume it.
        let id = r.location().trim_start_matches("/cadences/").split('?').next().unwrap().to_string();
        assert_eq!(li.post(&format!("/cadences/{id}/pause"), &[]).await.status, 403, "{b}");
        let r = boss.post(&format!("/cadences/{id}/pause"), &[]).await;
        assert_eq!(r.status, 303, "{b}");
        let page = kit::decoded(&boss.get(&format!("/cadences/{id}")).await.text());
        assert!(page.contains("已暂停：步骤不会执行") && page.contains("恢复"), "{b}: {page}");
        assert!(kit::decoded(&boss.get("/cadences").await.text()).contains("已暂停"), "{b}");
        let r = boss.post(&format!("/cadences/{id}/enrol"), &[("customers", "1")]).await;
        assert!(kit::decoded(&r.text()).contains("这个跟进节奏已暂停"), "{b}: {} {}", r.status, r.text());
        boss.post(&format!("/cadences/{id}/resume"), &[]).await;
        assert!(!kit::decoded(&boss.get(&format!("/cadences/{id}")).await.text()).contains("已暂停："), "{b}");
    }
}
