//! The money pages as an agent, a supervisor and an admin use them, with
//! a signed-in session and CSRF on both databases: the ledger tab, the
//! waiver refused with the credit offered and applied once, a typing
//! mistake that loses nothing, a request approved from the inbox, the
//! overpayment refund, a dispute hold, policies changed by an admin, and
//! the inbox offering requests to on-duty supervisors first.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::{Page, between, call, get_page, new_account, post_form, session, state_with_staff};
use extramile_store::testing;
use extramile_web::router;
use serde_json::json;

/// A field's value in the first form that has it.
fn value_of<'a>(page: &'a Page, name: &str) -> &'a str {
    between(&page.text, &format!("name=\"{name}\" value=\""), "\"")
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_money_tab_offers_the_credit_applies_it_once_and_updates_the_bill() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("pbx@t.example", "integration", None),
                ("sam@t.example", "supervisor", None),
                ("ada@t.example", "admin", None),
            ],
        )
        .await;
        let app = router(state);
        let (maya_api, billing) = (&t[0], &t[1]);
        let acct = new_account(&app, maya_api).await;
        let (s, charge) = call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "charge", "amount_minor": 3999, "currency": "USD", "external_id": "inv-1", "memo": "Technician visit"}))).await;
        assert_eq!(s, StatusCode::CREATED);
        let charge = charge["id"].as_str().unwrap().to_string();
        let money = format!("/accounts/{acct}/money");

        let maya = session(&app, "maya@t.example").await;
        let page = get_page(&app, &money, &maya.0).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text.contains("Technician visit"),
            "the charge is listed"
        );
        assert_eq!(between(&page.text, "id=\"balance\">", "<"), "$39.99");
        assert_eq!(between(&page.text, "id=\"bill-total\">", "<"), "$39.99");
        // The agent sees what is left before asking.
        let credit_row = between(&page.text, "data-authority=\"goodwill_credit\"", "</tr>");
        assert!(
            credit_row.contains("$50.00") && credit_row.contains("$100.00"),
            "{credit_row}"
        );
        assert!(
            between(&page.text, "data-authority=\"charge_waiver\"", "</tr>")
                .contains("needs approval")
        );
        let key = value_of(&page, "idempotency_key").to_string();

        // A typing mistake: refused with the field named, nothing typed lost.
        let bad = post_form(&app, &format!("{money}/act"), &format!("intent=apply&action=goodwill_credit&amount=12.345&currency=USD&idempotency_key={key}&reason=Outage+last+week"), &maya).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text.contains("Amount: has more than two decimals"),
            "{}",
            bad.text
        );
        assert!(
            bad.text.contains("value=\"Outage last week\""),
            "the reason is kept"
        );
        assert!(bad.text.contains("value=\"12.345\""), "the amount is kept");

        // The waiver is refused, and exactly the credit is offered.
        let waiver = format!(
            "intent=apply&action=charge_waiver&amount=39.99&currency=USD&charge_id={charge}&idempotency_key={key}&reason=Rosa+disputes+the+visit"
        );
        let refused = post_form(&app, &format!("{money}/act"), &waiver, &maya).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let decision = between(&refused.text, "id=\"decision\"", "</div>");
        assert!(
            decision.contains("A charge waiver is beyond your authority"),
            "{decision}"
        );
        assert!(
            decision.contains("a goodwill credit of $39.99 on the next bill"),
            "{decision}"
        );
        assert!(decision.contains("Ask for approval"), "{decision}");
        let alt = between(decision, "class=\"alternative\">", "</form>");
        assert!(
            alt.contains("name=\"amount\" value=\"39.99\"")
                && alt.contains("value=\"goodwill_credit\"")
                && alt.contains(&format!("name=\"charge_id\" value=\"{charge}\"")),
            "the credit offered instead names the charge: {alt}"
        );
        let alt_key = between(alt, "name=\"idempotency_key\" value=\"", "\"");
        assert!(!alt_key.is_empty());
        let apply = format!(
            "intent=apply&action=goodwill_credit&amount=39.99&currency=USD&credit_reason=goodwill&charge_id={charge}&idempotency_key={alt_key}&reason=Rosa+disputes+the+visit"
        );
        let done = post_form(&app, &format!("{money}/act"), &apply, &maya).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        let back = done.location.unwrap();
        let page = get_page(&app, &back, &maya.0).await;
        assert!(
            page.text.contains("Applied: Credit (goodwill) $39.99"),
            "{}",
            page.text
        );
        let bill = between(&page.text, "id=\"next-bill\"", "</section>");
        assert!(
            bill.contains("Credit for: Technician visit")
                && bill.contains("-$39.99")
                && !bill.contains("Rosa disputes"),
            "the bill has the customer's words, not the internal note: {bill}"
        );
        let row = between(&page.text, &format!("data-entry=\"{charge}\""), "</tr>");
        assert!(row.contains("made good $39.99 (last by maya"), "{row}");
        assert!(
            !row.contains(">Waive<") && !row.contains(">Credit<"),
            "nothing left to give: {row}"
        );
        assert_eq!(between(&page.text, "id=\"bill-total\">", "<"), "$0.00");
        assert!(
            between(&page.text, "data-authority=\"goodwill_credit\"", "</tr>").contains("$60.01"),
            "what the month leaves"
        );
        // The same form again (a double click) applies nothing more.
        let again = post_form(&app, &format!("{money}/act"), &apply, &maya).await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        let page = get_page(&app, &again.location.unwrap(), &maya.0).await;
        assert!(page.text.contains("Already applied"), "{}", page.text);
        assert!(page.text.contains("Entries (2)"));

        // Beyond the limit: asked for approval, decided from the inbox.
        let ask = post_form(&app, &format!("{money}/request"), "action=goodwill_credit&amount=60&currency=USD&credit_reason=goodwill&reason=Three+outages&idempotency_key=ask-1", &maya).await;
        assert_eq!(ask.status, StatusCode::SEE_OTHER, "{}", ask.text);
        let page = get_page(&app, &ask.location.unwrap(), &maya.0).await;
        assert!(page.text.contains("Asked for approval"));
        assert!(between(&page.text, "id=\"account-approvals\"", "</section>").contains("pending"));
        assert_eq!(
            get_page(&app, "/approvals", &maya.0).await.status,
            StatusCode::FORBIDDEN,
            "agents have no inbox"
        );

        let sam = session(&app, "sam@t.example").await;
        let inbox = get_page(&app, "/approvals", &sam.0).await;
        let item = between(&inbox.text, "<article", "</article>");
        assert!(
            item.contains("goodwill credit of $60.00")
                && item.contains("Three outages")
                && item.contains("maya"),
            "{item}"
        );
        let id = between(item, "data-approval=\"", "\"").to_string();
        let version = between(item, "name=\"version\" value=\"", "\"").to_string();
        let no_reason = post_form(
            &app,
            &format!("/approvals/{id}/decision"),
            &format!("version={version}&verdict=approve&reason="),
            &sam,
        )
        .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(no_reason.text.contains("reason"), "{}", no_reason.text);
        let ok = post_form(
            &app,
            &format!("/approvals/{id}/decision"),
            &format!("version={version}&verdict=approve&reason=Loyal+customer"),
            &sam,
        )
        .await;
        assert_eq!(
            (ok.status, ok.location.as_deref()),
            (StatusCode::SEE_OTHER, Some("/approvals"))
        );
        let stale = post_form(
            &app,
            &format!("/approvals/{id}/decision"),
            &format!("version={version}&verdict=deny&reason=late"),
            &sam,
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "decided once");
        assert!(
            get_page(&app, "/approvals", &sam.0)
                .await
                .text
                .contains("Nothing waits for your decision")
        );
        let page = get_page(&app, &money, &maya.0).await;
        assert!(between(&page.text, "id=\"account-approvals\"", "</section>").contains("approved"));
        assert!(
            page.text.contains("Loyal customer"),
            "the decision's reason shows"
        );
        assert_eq!(
            between(&page.text, "id=\"balance\">", "<"),
            "$60.00",
            "in the customer's favour now"
        );

        // Credits lower the bill but are not cash: nothing to refund yet.
        let page = get_page(&app, &money, &maya.0).await;
        assert!(
            !page.text.contains("id=\"overpayment\""),
            "credits are not an overpayment"
        );
        // A payment beyond the $39.99 owed leaves $70.01 paid over: the refund is offered and done once.
        call(&app, billing, "POST", &format!("/api/v1/accounts/{acct}/ledger/billing"), Some(json!({"kind": "payment", "amount_minor": 11000, "currency": "USD", "external_id": "pay-1", "memo": "Payment"}))).await;
        // The account's overview flags it (story S5), without opening the tab.
        let overview = get_page(&app, &format!("/accounts/{acct}"), &maya.0).await;
        assert!(
            between(&overview.text, "id=\"overpaid-flag\"", "</p>").contains("$70.01"),
            "{}",
            overview.text
        );
        assert!(
            between(&overview.text, "id=\"account-balance\">", "<").contains("$170.00 in credit")
        );
        let page = get_page(&app, &money, &maya.0).await;
        let over = between(&page.text, "id=\"overpayment\"", "</section>");
        assert!(
            over.contains("Overpaid by $70.01") && over.contains("Refund $70.01"),
            "{over}"
        );
        let rkey = between(over, "name=\"idempotency_key\" value=\"", "\"");
        let unsaid = format!(
            "intent=apply&action=refund&amount=70.01&currency=USD&idempotency_key={}&reason=Refund+of+overpayment",
            enc(rkey)
        );
        // How the money goes back must be said.
        let no_method = post_form(&app, &format!("{money}/act"), &unsaid, &maya).await;
        assert_eq!(no_method.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            no_method.text.contains("say how the money goes back"),
            "{}",
            no_method.text
        );
        // Then it is confirmed before anything is paid.
        let ask = format!("{unsaid}&refund_method=card");
        let confirm = post_form(&app, &format!("{money}/act"), &ask, &maya).await;
        assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.text);
        let dialog = between(&confirm.text, "id=\"confirm-refund\"", "</section>");
        assert!(
            dialog.contains("Pay $70.01 back to the customer?")
                && dialog.contains("Back to the card on file"),
            "{dialog}"
        );
        let page = get_page(&app, &money, &maya.0).await;
        assert!(
            page.text.contains("id=\"overpayment\""),
            "nothing paid before the confirmation"
        );
        let refund = format!("{ask}&confirmed=yes");
        let done = post_form(&app, &format!("{money}/act"), &refund, &maya).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
        let page = get_page(&app, &money, &maya.0).await;
        assert!(
            !page.text.contains("id=\"overpayment\""),
            "no longer overpaid"
        );
        assert_eq!(
            between(&page.text, "id=\"balance\">", "<"),
            "$99.99",
            "the credits stay, for the bill"
        );
        let bill = between(&page.text, "id=\"next-bill\"", "</section>");
        assert!(
            bill.contains("Refund paid to you: Back to the card on file")
                && bill.contains("paid back to you"),
            "the bill says how the refund went: {bill}"
        );
        let overview = get_page(&app, &format!("/accounts/{acct}"), &maya.0).await;
        assert!(!overview.text.contains("overpaid-flag"));
        let twice = post_form(
            &app,
            &format!("{money}/act"),
            &refund.replace(&enc(rkey), "another-key"),
            &maya,
        )
        .await;
        assert_eq!(
            twice.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing left to refund"
        );
        assert!(
            twice
                .text
                .contains("only what the customer has paid beyond what they owe"),
            "{}",
            twice.text
        );

        // A dispute hold from the entry's row.
        let hold = post_form(
            &app,
            &format!("{money}/dispute"),
            &format!("charge_id={charge}&hold=yes&idempotency_key=h1&reason=Customer+disputes"),
            &maya,
        )
        .await;
        assert_eq!(hold.status, StatusCode::SEE_OTHER, "{}", hold.text);
        let page = get_page(&app, &hold.location.unwrap(), &maya.0).await;
        assert!(
            page.text
                .contains("Held in dispute: the charge is not due while held")
        );
        assert!(
            between(&page.text, &format!("data-entry=\"{charge}\""), "</tr>")
                .contains("held in dispute")
        );

        // Policies: agents cannot open them; an admin raises the agents' waivers.
        assert_eq!(
            get_page(&app, "/policies", &maya.0).await.status,
            StatusCode::FORBIDDEN
        );
        let ada = session(&app, "ada@t.example").await;
        let bad = post_form(
            &app,
            "/policies",
            "who=role:agent&action=charge_waiver&currency=usd&each=40&month=",
            &ada,
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text.contains("currency"), "{}", bad.text);
        let saved = post_form(
            &app,
            "/policies",
            "who=role:agent&action=charge_waiver&currency=USD&each=40&month=80",
            &ada,
        )
        .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
        let page = get_page(&app, "/policies", &ada.0).await;
        assert!(
            page.text.contains("$40.00 each") && page.text.contains("$80.00 an account a month")
        );
        let page = get_page(&app, &money, &maya.0).await;
        let row = between(&page.text, "data-authority=\"charge_waiver\"", "</tr>");
        assert!(
            row.contains("$40.00") && !row.contains("needs approval"),
            "{row}"
        );
    }
}

#[tokio::test]
async fn requests_go_to_supervisors_on_duty_first() {
    for url in testing::databases().await {
        let (state, t) = state_with_staff(
            &url,
            &[
                ("maya@t.example", "agent", None),
                ("sam@t.example", "supervisor", None),
                ("sue@t.example", "supervisor", None),
            ],
        )
        .await;
        let app = router(state.clone());
        let acct = new_account(&app, &t[0]).await;
        let (s, r) = call(&app, &t[0], "POST", &format!("/api/v1/accounts/{acct}/approvals"), Some(json!({"action": "goodwill_credit", "amount_minor": 8000, "currency": "USD", "reason": "three outages", "idempotency_key": "a1"}))).await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
        let (sam, sue) = (
            session(&app, "sam@t.example").await,
            session(&app, "sue@t.example").await,
        );
        // Nobody on duty: every supervisor sees it.
        assert!(
            get_page(&app, "/approvals", &sue.0)
                .await
                .text
                .contains("three outages")
        );
        // Sam comes on duty: the request is his; Sue is told it is with him.
        let on = post_form(&app, "/work/availability", "state=available", &sam).await;
        assert_eq!(on.status, StatusCode::SEE_OTHER);
        assert!(
            get_page(&app, "/approvals", &sam.0)
                .await
                .text
                .contains("three outages")
        );
        let sue_page = get_page(&app, "/approvals", &sue.0).await;
        assert!(
            !sue_page.text.contains("three outages"),
            "off duty: not yet"
        );
        assert!(sue_page.text.contains("with on-duty supervisors"));
        let (_, inbox) = call(&app, &t[2], "GET", "/api/v1/approvals", None).await;
        assert_eq!(inbox.as_array().unwrap().len(), 0, "the API inbox agrees");
        // Past its time it escalates to everyone who decides.
        let id: extramile_domain::ids::ApprovalId = r["id"].as_str().unwrap().parse().unwrap();
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(16 * 60);
        assert_eq!(state.store.escalate_due(later).await.unwrap().len(), 1);
        let sue_page = get_page(&app, "/approvals", &sue.0).await;
        assert!(
            sue_page.text.contains("three outages") && sue_page.text.contains("escalated"),
            "{}",
            sue_page.text
        );
        assert_eq!(
            state
                .store
                .approval(id)
                .await
                .unwrap()
                .unwrap()
                .status
                .as_str(),
            "pending"
        );
    }
}
