//! A small form layer: a form is a list of fields; a domain `Invalid`
//! error lands on the field it names, anything else above the form.
//! New customer, edit person and add contact point live here.

use super::{Shell, UiError, render};
use crate::auth::CurrentUser;
use crate::error::path_id;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use extramile_domain::DomainError;
use extramile_domain::customers::inputs::*;
use extramile_domain::ids::PersonId;
use std::collections::HashMap;

pub type Values = HashMap<String, String>;

pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
    pub required: bool,
    pub hint: Option<&'static str>,
}

pub fn field(name: &'static str, label: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        label,
        kind,
        value: String::new(),
        options: Vec::new(),
        error: None,
        required: false,
        hint: None,
    }
}

impl Field {
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn value(mut self, v: impl Into<String>) -> Self {
        self.value = v.into();
        self
    }
    pub fn hint(mut self, h: &'static str) -> Self {
        self.hint = Some(h);
        self
    }
    pub fn options(mut self, o: Vec<(String, String)>) -> Self {
        self.options = o;
        self
    }
}

pub struct FormSpec {
    pub title: String,
    pub intro: Option<String>,
    pub action: String,
    pub back: String,
    pub submit: &'static str,
    pub error: Option<String>,
    pub fields: Vec<Field>,
    /// Sent with the form: the same form sent twice creates once.
    pub key: String,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    shell: Shell,
    form: FormSpec,
}

impl FormSpec {
    pub fn new(
        title: impl Into<String>,
        action: impl Into<String>,
        back: impl Into<String>,
        submit: &'static str,
        fields: Vec<Field>,
    ) -> Self {
        Self {
            title: title.into(),
            intro: None,
            action: action.into(),
            back: back.into(),
            submit,
            error: None,
            fields,
            key: uuid::Uuid::new_v4().to_string(),
        }
    }

    pub fn intro(mut self, i: impl Into<String>) -> Self {
        self.intro = Some(i.into());
        self
    }

    /// Keep what the user typed.
    pub fn fill(mut self, v: &Values) -> Self {
        if let Some(k) = v.get("_key").filter(|k| !k.is_empty()) {
            self.key = k.clone();
        }
        for f in &mut self.fields {
            if let Some(x) = v.get(f.name) {
                f.value = x.clone();
            }
        }
        self
    }

    /// Put a domain error on its field; `rename` maps domain field names
    /// (e.g. `contact_points[0].value`) to this form's names.
    pub fn with_error(
        mut self,
        e: DomainError,
        rename: &dyn Fn(&str) -> Option<&'static str>,
    ) -> Self {
        match e {
            DomainError::Invalid { field, message } => {
                let target = rename(&field).unwrap_or_else(|| {
                    self.fields
                        .iter()
                        .find(|f| f.name == field)
                        .map(|f| f.name)
                        .unwrap_or("")
                });
                match self
                    .fields
                    .iter_mut()
                    .find(|f| f.name == target && !target.is_empty())
                {
                    Some(f) => f.error = Some(message),
                    None => self.error = Some(format!("{field}: {message}")),
                }
            }
            other => self.error = Some(other.to_string()),
        }
        self
    }

    /// Show the form again after a failed save: what the user typed and
    /// the error in place; after a conflict, what is stored now instead.
    pub fn retry(self, e: DomainError, typed: &Values) -> Self {
        let form = if matches!(e, DomainError::Conflict(_)) {
            self
        } else {
            self.fill(typed)
        };
        form.with_error(e, &|_| None)
    }

    pub fn page(self, u: &CurrentUser) -> Response {
        let status = if self.error.is_some() || self.fields.iter().any(|f| f.error.is_some()) {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        } else {
            axum::http::StatusCode::OK
        };
        (
            status,
            render(&FormPage {
                shell: Shell::of(u),
                form: self,
            }),
        )
            .into_response()
    }
}

pub fn opt(v: &Values, k: &str) -> Option<String> {
    v.get(k)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

pub fn text(v: &Values, k: &str) -> String {
    v.get(k).cloned().unwrap_or_default()
}

pub fn version(v: &Values) -> i64 {
    v.get("version").and_then(|s| s.parse().ok()).unwrap_or(0)
}

// ---- new customer ----

#[derive(serde::Deserialize)]
struct NewCustomerQuery {
    person: Option<String>,
}

fn address_fields() -> Vec<Field> {
    vec![
        field("line1", "Service address", "text")
            .hint("Street and number, e.g. 742 Evergreen Terrace"),
        field("city", "City", "text"),
        field("region", "State / region", "text"),
        field("postcode", "Postcode", "text"),
    ]
}

fn new_customer_form(person: Option<(PersonId, String)>) -> FormSpec {
    let mut fields = match &person {
        Some((id, _)) => vec![field("person_id", "", "hidden").value(id.to_string())],
        None => vec![
            field("given_name", "Given name", "text").required(),
            field("family_name", "Family name", "text").required(),
            field("phone", "Phone", "tel").hint("Any format: (555) 010-2030, +1 555 010 2030"),
            field("email", "E-mail", "email"),
        ],
    };
    fields.push(
        field("account_type", "Account type", "select")
            .options(vec![
                ("residential".into(), "Residential".into()),
                ("business".into(), "Business".into()),
            ])
            .value("residential"),
    );
    fields.extend(address_fields());
    let title = match &person {
        Some((_, n)) => format!("Open an account for {n}"),
        None => "New customer".into(),
    };
    FormSpec::new(title, "/customers/new", "/", "Create", fields)
        .intro("The person becomes the account holder. Add representatives from the account page.")
}

async fn new_customer(
    State(s): State<AppState>,
    u: CurrentUser,
    Query(q): Query<NewCustomerQuery>,
) -> Result<Response, UiError> {
    let person = match q.person {
        Some(id) => {
            let (p, _, _) = s
                .customers
                .person(&u.actor(), path_id(&id, "person").map_err(|e| e.0)?)
                .await?;
            Some((p.id, p.full_name()))
        }
        None => None,
    };
    Ok(new_customer_form(person).page(&u))
}

async fn create_customer(
    State(s): State<AppState>,
    u: CurrentUser,
    Form(v): Form<Values>,
) -> Response {
    let actor = u.actor();
    let mut contacts = Vec::new();
    let mut contact_fields = Vec::new();
    for (k, kind) in [("phone", "phone"), ("email", "email")] {
        if let Some(value) = opt(&v, k) {
            contacts.push(NewContactPoint {
                kind: kind.into(),
                value,
                label: None,
                is_primary: true,
            });
            contact_fields.push(k);
        }
    }
    let rename = |f: &str| -> Option<&'static str> {
        let idx = f
            .strip_prefix("contact_points[")?
            .split(']')
            .next()?
            .parse::<usize>()
            .ok()?;
        contact_fields.get(idx).copied()
    };
    let existing = opt(&v, "person_id").and_then(|id| id.parse::<PersonId>().ok());
    let form = || new_customer_form(existing.map(|id| (id, "this person".into()))).fill(&v);
    let address_given = ["line1", "city", "postcode"]
        .iter()
        .any(|k| opt(&v, k).is_some());
    if address_given {
        for (k, label) in [
            ("line1", "line1"),
            ("city", "city"),
            ("postcode", "postcode"),
        ] {
            if opt(&v, k).is_none() {
                return form()
                    .with_error(
                        DomainError::invalid(label, "is required for a service address"),
                        &|_| None,
                    )
                    .page(&u);
            }
        }
    }
    // The whole customer (person, account, address) once per form: a double
    // click or a resent form answers the account made the first time.
    let step = std::sync::atomic::AtomicU8::new(0);
    let address_refused = std::sync::Mutex::new(None);
    let made = extramile_domain::workspace::keys::create_once(
        &*s.store,
        u.user.id,
        v.get("_key").map(String::as_str),
        "customer",
        || async {
            let holder = match existing {
                Some(id) => id,
                None => {
                    let new = NewPerson {
                        given_name: text(&v, "given_name"),
                        family_name: text(&v, "family_name"),
                        preferred_language: None,
                        contact_points: contacts,
                    };
                    s.customers.create_person(&actor, new).await?.0.id
                }
            };
            step.store(1, std::sync::atomic::Ordering::Relaxed);
            let new = NewAccount {
                number: None,
                name: None,
                account_type: opt(&v, "account_type"),
                holder_id: holder,
            };
            let account = s.customers.create_account(&actor, new).await?;
            step.store(2, std::sync::atomic::Ordering::Relaxed);
            if address_given {
                let loc = NewLocation {
                    line1: text(&v, "line1"),
                    line2: None,
                    city: text(&v, "city"),
                    region: opt(&v, "region"),
                    postcode: text(&v, "postcode"),
                    country: None,
                    time_zone: None,
                };
                // The customer is made either way: an address refused now
                // is fixed on the account, never by making them twice.
                if let Err(e) = s.customers.add_location(&actor, account.id, loc).await {
                    *address_refused
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(e);
                }
            }
            Ok(account.id.to_string())
        },
    )
    .await;
    let account = match made {
        Ok(c) => c.id().to_string(),
        Err(e) if step.load(std::sync::atomic::Ordering::Relaxed) == 0 => {
            return form().with_error(e, &rename).page(&u);
        }
        Err(e) if step.load(std::sync::atomic::Ordering::Relaxed) == 1 => {
            return form().with_error(e, &|_| None).page(&u);
        }
        Err(e) => return UiError(e).into_response(),
    };
    let refused = address_refused
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(e) = refused {
        return super::records::location_form(&account)
            .intro("The customer and the account are saved; the service address is not yet. Fix it here.")
            .fill(&v)
            .with_error(e, &|_| None)
            .page(&u);
    }
    Redirect::to(&format!("/accounts/{account}")).into_response()
}

// ---- edit person, add contact point ----

fn person_form(id: &str, p: &extramile_domain::customers::model::Person) -> FormSpec {
    FormSpec::new(
        format!("Edit {}", p.full_name()),
        format!("/people/{id}/edit"),
        format!("/people/{id}"),
        "Save",
        vec![
            field("version", "", "hidden").value(p.version.to_string()),
            field("given_name", "Given name", "text")
                .required()
                .value(&p.given_name),
            field("family_name", "Family name", "text")
                .required()
                .value(&p.family_name),
            field("preferred_language", "Preferred language", "text")
                .value(p.preferred_language.clone().unwrap_or_default()),
        ],
    )
}

async fn edit_person(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, UiError> {
    let (p, _, _) = s
        .customers
        .person(&u.actor(), path_id(&id, "person").map_err(|e| e.0)?)
        .await?;
    Ok(person_form(&id, &p).page(&u))
}

async fn save_person(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(v): Form<Values>,
) -> Result<Response, UiError> {
    let pid: PersonId = path_id(&id, "person").map_err(|e| e.0)?;
    let input = PersonUpdate {
        version: version(&v),
        given_name: opt(&v, "given_name").or(Some(String::new())),
        family_name: opt(&v, "family_name").or(Some(String::new())),
        preferred_language: Some(text(&v, "preferred_language")),
    };
    match s.customers.update_person(&u.actor(), pid, input).await {
        Ok(_) => Ok(Redirect::to(&format!("/people/{id}")).into_response()),
        Err(e) => {
            let (p, _, _) = s.customers.person(&u.actor(), pid).await?;
            Ok(person_form(&id, &p).retry(e, &v).page(&u))
        }
    }
}

fn contact_form(id: &str) -> FormSpec {
    FormSpec::new(
        "Add contact point",
        format!("/people/{id}/contact-points/new"),
        format!("/people/{id}"),
        "Add",
        vec![
            field("kind", "Kind", "select")
                .options(vec![
                    ("phone".into(), "Phone".into()),
                    ("email".into(), "E-mail".into()),
                    ("postal".into(), "Postal address".into()),
                ])
                .value("phone"),
            field("value", "Value", "text").required(),
            field("label", "Label", "text").hint("mobile, home, work..."),
        ],
    )
}

async fn new_contact(u: CurrentUser, Path(id): Path<String>) -> Response {
    contact_form(&id).page(&u)
}

async fn add_contact(
    State(s): State<AppState>,
    u: CurrentUser,
    Path(id): Path<String>,
    Form(v): Form<Values>,
) -> Result<Response, UiError> {
    let pid: PersonId = path_id(&id, "person").map_err(|e| e.0)?;
    let input = NewContactPoint {
        kind: text(&v, "kind"),
        value: text(&v, "value"),
        label: opt(&v, "label"),
        is_primary: false,
    };
    Ok(
        match s.customers.add_contact_point(&u.actor(), pid, input).await {
            Ok(_) => Redirect::to(&format!("/people/{id}")).into_response(),
            Err(e) => contact_form(&id).fill(&v).with_error(e, &|_| None).page(&u),
        },
    )
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/customers/new", get(new_customer).post(create_customer))
        .route("/people/{id}/edit", get(edit_person).post(save_person))
        .route(
            "/people/{id}/contact-points/new",
            get(new_contact).post(add_contact),
        )
}
