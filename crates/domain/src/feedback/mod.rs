//! C14 feedback: satisfaction surveys after a resolved case or a wrapped
//! contact, and compliments and complaints credited to staff.
//!
//! A survey's link is `/survey/{id}/{signature}`: the signature is a keyed
//! BLAKE2s digest of the id and the expiry under the provider's survey key
//! (kept in the database), so links can be shown again to staff without
//! storing them, and cannot be made up. It works once, until it expires.

use crate::access::{Action, authorize};
use crate::audit::{Actor, change};
use crate::customers::values::{optional_text, required_text};
use crate::error::{DomainError, Result};
use crate::ids::*;
use crate::store::Store;
use crate::time::Clock;
use blake2::{Blake2s256, Digest};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// How long a survey link works.
pub const SURVEY_DAYS: i64 = 14;
/// Contacts and cases that ended this long ago or less get a survey.
pub const SWEEP_WINDOW: SignedDuration = SignedDuration::from_hours(48);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Survey {
    pub id: SurveyId,
    pub account_id: AccountId,
    pub interaction_id: Option<InteractionId>,
    pub case_id: Option<CaseId>,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    /// 1 (poor) to 5 (excellent).
    pub rating: Option<i64>,
    pub comment: Option<String>,
    /// The staff the answer is credited to (owner and participants).
    pub staff: Vec<StaffId>,
}

/// A survey as staff see it, with its link.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct SurveyView {
    #[serde(flatten)]
    pub survey: Survey,
    /// The customer's link (path; prefix the console's address).
    pub link: String,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SurveyAnswer {
    /// 1 to 5
    pub rating: i64,
    pub comment: Option<String>,
}

crate::str_enum!(KudosKind { Compliment => "compliment", Complaint => "complaint" });
crate::str_enum!(KudosSource { Phone => "phone", Email => "email", Letter => "letter", Social => "social" });

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Kudos {
    pub id: KudosId,
    pub kind: KudosKind,
    pub source: KudosSource,
    /// The social post's address.
    pub link: Option<String>,
    /// The customer's words.
    pub words: String,
    #[schema(value_type = String, format = Date)]
    pub on: jiff::civil::Date,
    pub account_id: Option<AccountId>,
    /// Credited to the company rather than (or as well as) to people.
    pub to_company: bool,
    pub staff: Vec<StaffId>,
    /// Names of `staff`, in the same order.
    pub staff_names: Vec<String>,
    pub recorded_by: StaffId,
    pub recorded_at: Timestamp,
    pub confirmed_by: Option<StaffId>,
    pub confirmed_at: Option<Timestamp>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct NewKudos {
    /// compliment or complaint
    pub kind: String,
    /// phone, email, letter or social
    pub source: String,
    /// Required for a social post.
    pub link: Option<String>,
    pub words: String,
    /// YYYY-MM-DD; today when unset.
    pub on: Option<String>,
    pub account_id: Option<AccountId>,
    #[serde(default)]
    pub staff_ids: Vec<StaffId>,
    #[serde(default)]
    pub to_company: bool,
}

/// A staff member's feedback: ratings and confirmed compliments.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct StaffFeedback {
    pub staff_id: StaffId,
    pub name: String,
    pub ratings: i64,
    /// Average rating × 100 (e.g. 450 = 4.5), when rated.
    pub average_x100: Option<i64>,
    /// The latest answered surveys crediting them (at most 20).
    pub recent: Vec<Survey>,
    /// Confirmed compliments and complaints crediting them (at most 50).
    pub kudos: Vec<Kudos>,
}

/// The link's signature: keyed digest of the id and the expiry.
pub fn signature(key: &str, id: SurveyId, expires_at: Timestamp) -> String {
    let mut h = Blake2s256::new();
    h.update(key.as_bytes());
    h.update(b"|survey|");
    h.update(id.0.as_bytes());
    h.update(expires_at.as_microsecond().to_be_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Constant-time comparison of two signatures.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Check an answer: the signature, the expiry, single use, the rating.
pub fn check_answer(
    key: &str,
    s: &Survey,
    sig: &str,
    now: Timestamp,
    a: &SurveyAnswer,
) -> Result<()> {
    if !same(&signature(key, s.id, s.expires_at), sig) {
        return Err(DomainError::NotFound("survey".into()));
    }
    if s.answered_at.is_some() {
        return Err(DomainError::Conflict(
            "this survey has been answered already; thank you".into(),
        ));
    }
    if now >= s.expires_at {
        return Err(DomainError::Conflict("this survey has closed".into()));
    }
    if !(1..=5).contains(&a.rating) {
        return Err(DomainError::invalid("rating", "choose from 1 to 5"));
    }
    Ok(())
}

#[derive(Clone)]
pub struct FeedbackService {
    store: Arc<dyn Store>,
    clock: Clock,
}

impl FeedbackService {
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> Self {
        Self { store, clock }
    }

    async fn key(&self) -> Result<String> {
        self.store
            .survey_key(&crate::admin::secrets::new_secret("svk_")?)
            .await
    }

    pub async fn view(&self, s: Survey) -> Result<SurveyView> {
        let key = self.key().await?;
        let link = format!("/survey/{}/{}", s.id, signature(&key, s.id, s.expires_at));
        Ok(SurveyView { survey: s, link })
    }

    /// Surveys for cases resolved and contacts wrapped up lately that have
    /// none (a periodic job: idempotent, nothing missed across restarts).
    pub async fn sweep(&self) -> Result<u64> {
        let now = (self.clock)();
        let since = now.checked_sub(SWEEP_WINDOW).unwrap_or(now);
        let expires = now + SignedDuration::from_hours(24 * SURVEY_DAYS);
        self.store.create_surveys(since, now, expires).await
    }

    /// A contact's or a case's survey, for staff (with its link).
    pub async fn for_record(
        &self,
        actor: &Actor,
        interaction: Option<InteractionId>,
        case: Option<CaseId>,
    ) -> Result<Option<SurveyView>> {
        authorize(actor.role, Action::ViewCustomer)?;
        match self.store.survey_for(interaction, case).await? {
            Some(s) => Ok(Some(self.view(s).await?)),
            None => Ok(None),
        }
    }

    /// The public page's survey: nothing about staff leaves here.
    pub async fn public(&self, id: SurveyId, sig: &str) -> Result<Survey> {
        let s = self
            .store
            .survey(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("survey".into()))?;
        let key = self.key().await?;
        if !same(&signature(&key, s.id, s.expires_at), sig) {
            return Err(DomainError::NotFound("survey".into()));
        }
        Ok(s)
    }

    /// The customer's answer, once.
    pub async fn answer(&self, id: SurveyId, sig: &str, a: SurveyAnswer) -> Result<()> {
        let s = self
            .store
            .survey(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("survey".into()))?;
        let key = self.key().await?;
        let now = (self.clock)();
        check_answer(&key, &s, sig, now, &a)?;
        let comment = optional_text("comment", a.comment.as_deref(), 2000)?;
        if !self
            .store
            .answer_survey(id, a.rating, comment.as_deref(), now)
            .await?
        {
            return Err(DomainError::Conflict(
                "this survey has been answered already; thank you".into(),
            ));
        }
        Ok(())
    }

    pub async fn record_kudos(&self, actor: &Actor, input: NewKudos) -> Result<Kudos> {
        authorize(actor.role, Action::AddNote)?;
        let by = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("recorded by a person".into()))?;
        let kind = KudosKind::parse("kind", input.kind.trim())?;
        let source = KudosSource::parse("source", input.source.trim())?;
        let link = optional_text("link", input.link.as_deref(), 500)?;
        if source == KudosSource::Social && link.is_none() {
            return Err(DomainError::invalid(
                "link",
                "is required for a social post",
            ));
        }
        if let Some(l) = &link
            && !(l.starts_with("https://") || l.starts_with("http://"))
        {
            return Err(DomainError::invalid(
                "link",
                "must be a web address (https://…)",
            ));
        }
        let today = (self.clock)().to_zoned(jiff::tz::TimeZone::UTC).date();
        let on = match input.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(d) => crate::customers::values::parse_date("on", d)?,
            None => today,
        };
        if on > today.tomorrow().unwrap_or(today) {
            return Err(DomainError::invalid("on", "cannot be in the future"));
        }
        let mut staff = input.staff_ids.clone();
        staff.sort();
        staff.dedup();
        if staff.is_empty() && !input.to_company {
            return Err(DomainError::invalid(
                "staff_ids",
                "credit at least one person or the company",
            ));
        }
        let mut names = Vec::new();
        for s in &staff {
            let u = self.store.staff(*s).await?.ok_or_else(|| {
                DomainError::invalid("staff_ids", "names someone who is not on the staff")
            })?;
            names.push(u.name);
        }
        if let Some(a) = input.account_id {
            self.store
                .account(a)
                .await?
                .ok_or_else(|| DomainError::invalid("account_id", "no account with this id"))?;
        }
        let k = Kudos {
            id: KudosId::new(),
            kind,
            source,
            link,
            words: required_text("words", &input.words, 4000)?,
            on,
            account_id: input.account_id,
            to_company: input.to_company,
            staff,
            staff_names: names,
            recorded_by: by,
            recorded_at: (self.clock)(),
            confirmed_by: None,
            confirmed_at: None,
        };
        let a = change(actor, "create", "kudos", k.id.0)
            .account(k.account_id)
            .summary(format!(
                "{} recorded ({}): {}",
                k.kind,
                k.source,
                k.staff_names.join(", ")
            ))
            .after(&k)
            .build();
        self.store.insert_kudos(&k, &a).await?;
        Ok(k)
    }

    pub async fn confirm_kudos(&self, actor: &Actor, id: KudosId) -> Result<Kudos> {
        authorize(actor.role, Action::DecideApprovals)?;
        let by = actor
            .id
            .ok_or_else(|| DomainError::Forbidden("confirmed by a person".into()))?;
        let k = self
            .store
            .kudos(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("compliment or complaint".into()))?;
        if k.confirmed_at.is_some() {
            return Err(DomainError::Conflict("already confirmed".into()));
        }
        if k.recorded_by == by {
            return Err(DomainError::Forbidden(
                "another supervisor confirms what you recorded".into(),
            ));
        }
        let a = change(actor, "confirm", "kudos", k.id.0)
            .account(k.account_id)
            .summary(format!("{} confirmed", k.kind))
            .build();
        if !self.store.confirm_kudos(id, by, (self.clock)(), &a).await? {
            return Err(DomainError::Conflict("already confirmed".into()));
        }
        self.store
            .kudos(id)
            .await?
            .ok_or_else(|| DomainError::NotFound("compliment or complaint".into()))
    }

    /// The latest compliments and complaints (at most 200).
    pub async fn kudos_list(&self, actor: &Actor) -> Result<Vec<Kudos>> {
        authorize(actor.role, Action::ViewCustomer)?;
        self.store.kudos_list(None, false, 200).await
    }

    pub async fn staff_feedback(&self, actor: &Actor, staff: StaffId) -> Result<StaffFeedback> {
        authorize(actor.role, Action::ViewCustomer)?;
        let u = self
            .store
            .staff(staff)
            .await?
            .ok_or_else(|| DomainError::NotFound("staff member".into()))?;
        let (ratings, sum, recent) = self.store.staff_ratings(staff, 20).await?;
        Ok(StaffFeedback {
            staff_id: staff,
            name: u.name,
            ratings,
            average_x100: (ratings > 0).then(|| sum * 100 / ratings),
            recent,
            kudos: self.store.kudos_list(Some(staff), true, 50).await?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey(expires: Timestamp) -> Survey {
        Survey {
            id: SurveyId::new(),
            account_id: AccountId::new(),
            interaction_id: None,
            case_id: Some(CaseId::new()),
            created_at: Timestamp::UNIX_EPOCH,
            expires_at: expires,
            answered_at: None,
            rating: None,
            comment: None,
            staff: vec![],
        }
    }

    #[test]
    fn a_link_is_signed_single_use_and_expires() {
        let now: Timestamp = "2026-11-29T12:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let s = survey(now + SignedDuration::from_hours(24));
        let sig = signature("k1", s.id, s.expires_at);
        let ok = SurveyAnswer {
            rating: 5,
            comment: None,
        };
        assert!(check_answer("k1", &s, &sig, now, &ok).is_ok());
        assert!(
            matches!(
                check_answer("k2", &s, &sig, now, &ok),
                Err(DomainError::NotFound(_))
            ),
            "another key's link"
        );
        let mut forged = sig.clone();
        forged.replace_range(0..1, if sig.starts_with('0') { "1" } else { "0" });
        assert!(matches!(
            check_answer("k1", &s, &forged, now, &ok),
            Err(DomainError::NotFound(_))
        ));
        let later = now + SignedDuration::from_hours(25);
        assert!(
            matches!(
                check_answer("k1", &s, &sig, later, &ok),
                Err(DomainError::Conflict(_))
            ),
            "expired"
        );
        let mut answered = s.clone();
        answered.answered_at = Some(now);
        assert!(matches!(
            check_answer("k1", &answered, &sig, now, &ok),
            Err(DomainError::Conflict(_))
        ));
        for r in [0, 6, -1] {
            let bad = SurveyAnswer {
                rating: r,
                comment: None,
            };
            assert!(
                matches!(
                    check_answer("k1", &s, &sig, now, &bad),
                    Err(DomainError::Invalid { .. })
                ),
                "{r}"
            );
        }
        // Moving the expiry breaks the signature.
        let mut longer = s.clone();
        longer.expires_at = s.expires_at + SignedDuration::from_hours(240);
        assert!(check_answer("k1", &longer, &sig, now, &ok).is_err());
    }
}
