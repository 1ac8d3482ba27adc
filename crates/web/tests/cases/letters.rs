//! Letters on the web (issue #16): a manager writes a letter template, a cadence posts a letter,
//! the letter waits at "Letters to print"; a batch is printed as a PDF (in Chinese, read back by
//! poppler when it is here), confirmed posted with one letter unticked — the posted one on the
//! customer's timeline, the other back in the queue — and the same over the API, with wrong
//! input named; reps may not.

use crate::kit::{self, apps};
use guanxi_domain::Role;
use guanxi_domain::outbox::{MessageChannel, MessageState};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_prints_a_batch_of_letters_and_confirms_it_posted() {
    for app in apps().await {
        let b = app.backend;
        app.user("boss", Role::Manager).await;
        app.user("li.na", Role::SalesRep).await;
        let mut boss = app.signed_in("boss").await;
        let mut li = app.signed_in("li.na").await;
        assert_eq!(li.get("/outbox/letters").await.status, 403, "{b}");
        assert_eq!(li.api("GET", "/api/v1/letters", None).await.status, 403, "{b}");

        let page = kit::decoded(&boss.get("/outbox/letters").await.text());
        assert!(page.contains("现在没有待打印的信函") && page.contains("还没有打印过信函"), "{b}: {page}");
        assert!(kit::decoded(&boss.get("/outbox").await.text()).contains("/outbox/letters"), "{b}: linked");

        // A letter template: a heading is needed; no provider template id is asked.
        let r = boss
            .post(
                "/templates",
                &[("template_name", "感谢信"), ("message_channel", "letter"), ("body", "x"), ("action", "save")],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let r = boss
            .post(
                "/templates",
                &[
                    ("template_name", "感谢信"),
                    ("message_channel", "letter"),
                    ("subject", "致{{称呼}}的感谢信"),
                    ("body", "{{称呼}}：\n感谢您一直以来的支持。\n\n{{负责人}} 敬上"),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.location(), "/templates?done=template_saved", "{b}: {}", r.text());
        let template = app.store.templates().await.unwrap().into_iter().find(|t| t.draft.name == "感谢信").unwrap();
        assert_eq!(template.draft.channel, MessageChannel::Letter, "{b}");
        assert!(kit::decoded(&boss.get("/cadences/new").await.text()).contains("寄信"), "{b}: the step is offered");
        let tid = template.id.to_string();
        // A letter's template on an e-mail step is named, with the step.
        let r = boss
            .post(
                "/cadences",
                &[("cadence_name", "错配"), ("delay_days", "0"), ("step_action", "email"), ("template", &tid)],
            )
            .await;
        assert_eq!(r.status, 422, "{b}");
        let text = kit::decoded(&r.text());
        assert!(text.contains("第 1 步：消息模板：“感谢信” 是信函的模板，这一步需要电子邮件的模板"), "{b}: {text}");
        let r = boss
            .post(
                "/cadences",
                &[
                    ("cadence_name", "感谢信"),
                    ("delay_days", "0"),
                    ("step_action", "letter"),
                    ("template", &tid),
                    ("step_task_title", ""),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{b}: {}", r.text());
        let cadence = r.location().trim_start_matches("/cadences/").split('?').next().unwrap().to_string();
        let mut ids = Vec::new();
        for (name, address) in [("王小明", "上海市徐汇区漕溪北路 88 号"), ("李娜", "北京市朝阳区建国路 1 号")]
        {
            let id = kit::customer(
                &mut boss,
                json!({"kind": "individual", "name": name, "gender": "male", "address": address}),
            )
            .await;
            let r = boss
                .api(
                    "POST",
                    &format!("/api/v1/customers/{id}/consent"),
                    Some(json!({"channel": "letter", "consent": "given", "consent_how": "门店登记"})),
                )
                .await;
            assert!(r.status < 300, "{b}: {}", r.text());
            ids.push(id);
        }
        let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(",");
        let r = boss.post(&format!("/cadences/{cadence}/enrol"), &[("customers", &list)]).await;
        assert!(r.location().contains("enrolled=2"), "{b}: {}", r.location());
        app.store.run_cadence_steps(chrono::Utc::now()).await.unwrap();

        let page = kit::decoded(&boss.get("/outbox/letters").await.text());
        assert!(page.contains("2 封信函待打印") && page.contains("打印一批（2 封）"), "{b}: {page}");
        assert!(page.contains("上海市徐汇区漕溪北路 88 号") && page.contains("致王先生的感谢信"), "{b}");
        let r = boss.post("/outbox/letters/print", &[]).await;
        let batch_url = r.location().split('?').next().unwrap().to_string();
        assert!(batch_url.starts_with("/outbox/letters/batches/"), "{b}: {}", r.location());
        let batch: i64 = batch_url.rsplit('/').next().unwrap().parse().unwrap();
        let page = kit::decoded(&boss.get(r.location()).await.text());
        assert!(page.contains("这一批已生成") && page.contains("确认已寄出") && page.contains("已打印，待寄出"), "{b}");
        // Nothing else waits: printing again says so.
        let r = boss.post("/outbox/letters/print", &[]).await;
        assert_eq!(r.status, 409, "{b}");
        assert!(kit::decoded(&r.text()).contains("现在没有待打印的信函"), "{b}");

        // The PDF, named for the batch; a wrong part is named.
        let r = boss.get(&format!("{batch_url}/pdf")).await;
        assert_eq!((r.status, r.header("content-type")), (200, Some("application/pdf")), "{b}: {}", r.text());
        assert!(r.body.starts_with(b"%PDF-"), "{b}");
        assert!(r.header("content-disposition").unwrap().contains(&format!("%E7%AC%AC{batch}%E6%89%B9")), "{b}");
        if let Some(text) = pdftotext(&r.body) {
            let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            assert!(
                text.contains("致王先生的感谢信")
                    && text.contains("上海市徐汇区漕溪北路88号")
                    && text.contains("王小明收"),
                "{b}: {text}"
            );
        }
        let r = boss.get(&format!("{batch_url}/pdf?part=envelopes")).await;
        assert_eq!(r.status, 400, "{b}");
        assert!(kit::decoded(&r.text()).contains("labels"), "{b}");

        // Posted, but 李娜's was spoilt: untick it. (Nothing ticked, or a letter of no batch,
        // is refused.)
        let (_, letters) = app.store.letter_batch(batch).await.unwrap();
        let wang = letters.iter().find(|m| m.customer_id == Some(ids[0])).unwrap().id;
        let li_na = letters.iter().find(|m| m.customer_id == Some(ids[1])).unwrap().id;
        let r = boss.post(&format!("{batch_url}/posted"), &[]).await;
        assert_eq!(r.status, 409, "{b}");
        assert!(kit::decoded(&r.text()).contains("请作废这一批"), "{b}");
        assert_eq!(boss.post(&format!("{batch_url}/posted"), &[("posted", "999999")]).await.status, 400, "{b}");
        let r = boss.post(&format!("{batch_url}/posted"), &[("posted", &wang.to_string())]).await;
        assert_eq!(r.location(), format!("{batch_url}?done=letters_posted"), "{b}: {}", r.text());
        let page = kit::decoded(&boss.get(r.location()).await.text());
        assert!(page.contains("已确认寄出") && page.contains("1 封"), "{b}: {page}");
        assert_eq!(app.store.message(wang).await.unwrap().state, MessageState::Sent, "{b}");
        assert_eq!(app.store.message(li_na).await.unwrap().state, MessageState::Queued, "{b}");
        let timeline = kit::decoded(&boss.get(&format!("/customers/{}", ids[0])).await.text());
        assert!(timeline.contains("致王先生的感谢信"), "{b}: the letter is on the timeline");
        assert!(timeline.contains("id=\"consent-letter\""), "{b}: letter consent is shown and can be recorded");
        let contact = app
            .store
            .interactions(ids[0])
            .await
            .unwrap()
            .into_iter()
            .find(|i| i.draft.channel == guanxi_domain::Channel::Letter)
            .unwrap();
        assert_eq!(
            contact.created_by,
            app.store.user_by_username("boss").await.unwrap().unwrap().id,
            "{b}: recorded by who posted it"
        );
        // A letter waiting is printed, not "sent now".
        let r = boss.post(&format!("/outbox/{li_na}/retry"), &[]).await;
        assert_eq!(r.status, 409, "{b}");
        // Twice is refused.
        assert_eq!(boss.post(&format!("{batch_url}/posted"), &[]).await.status, 409, "{b}");

        // Over the API: 李娜's letter waits; a batch, the PDF's labels, posted with wrong input named.
        let r = boss.api("GET", "/api/v1/letters", None).await;
        assert_eq!((r.json()["due"].as_i64(), r.json()["items"][0]["id"].as_i64()), (Some(1), Some(li_na)), "{b}");
        let r = boss.api("POST", "/api/v1/letters/batches", None).await;
        assert_eq!(r.status, 201, "{b}: {}", r.text());
        let jammed = r.json()["batch"]["id"].as_i64().unwrap();
        assert_eq!(r.json()["letters"][0]["state"], "sending", "{b}");
        // The printer jammed: thrown away on its page, the letter waits again and is printed anew.
        let r = boss.post(&format!("/outbox/letters/batches/{jammed}/discard"), &[]).await;
        assert_eq!(r.location(), "/outbox/letters?done=letter_batch_discarded", "{b}");
        let page = kit::decoded(&boss.get(r.location()).await.text());
        assert!(page.contains("这一批已作废") && page.contains("1 封信函待打印"), "{b}: {page}");
        assert_eq!(boss.post(&format!("/outbox/letters/batches/{jammed}/discard"), &[]).await.status, 409, "{b}");
        let r = boss.api("POST", "/api/v1/letters/batches", None).await;
        let second = r.json()["batch"]["id"].as_i64().unwrap();
        let r = boss.api("GET", &format!("/api/v1/letters/batches/{second}/pdf?part=labels"), None).await;
        assert_eq!((r.status, r.header("content-type")), (200, Some("application/pdf")), "{b}");
        let path = format!("/api/v1/letters/batches/{second}/posted");
        let r = boss.api("POST", &path, Some(json!({"not_posted": [wang]}))).await;
        assert_eq!(r.status, 400, "{b}: a letter of another batch");
        assert!(r.text().contains(&wang.to_string()), "{b}: {}", r.text());
        assert_eq!(boss.api("POST", &path, Some(json!({"posted": []}))).await.status, 422, "{b}: unknown field");
        assert_eq!(boss.api("POST", &path, Some(json!({"not_posted": "all"}))).await.status, 400, "{b}");
        let r = boss.api("POST", &path, Some(json!({"not_posted": []}))).await;
        assert_eq!((r.status, r.json()["posted_count"].as_i64()), (200, Some(1)), "{b}: {}", r.text());
        assert_eq!(app.store.message(li_na).await.unwrap().state, MessageState::Sent, "{b}");
        let r = boss.api("POST", &format!("/api/v1/letters/batches/{second}/discard"), None).await;
        assert_eq!(r.status, 409, "{b}: a posted batch is not thrown away");
        assert_eq!(boss.api("GET", "/api/v1/letters/batches/999999", None).await.status, 404, "{b}");
        let r = boss.api("GET", "/api/v1/letters/batches", None).await;
        assert_eq!(r.json().as_array().map(Vec::len), Some(3), "{b}");
    }
}

/// The PDF's text as poppler reads it, when poppler is here (under `CI=true` it must be).
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let scratch = guanxi_store::scratch::Scratch::new();
    let path = scratch.file("guanxi-web-letters", "batch", "pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => Some(String::from_utf8(out.stdout).unwrap()),
        Err(_) => {
            assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "CI=true but pdftotext is missing");
            None
        }
    }
}
