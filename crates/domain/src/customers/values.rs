//! Values that can only exist valid: parsing is the only way in.

use crate::error::{DomainError, Result};
use serde::{Deserialize, Serialize};

/// A phone number in E.164 form (`+15550102030`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Parse any common written form: "(555) 010-2030", "555.010.2030",
    /// "+1 555 010 2030". National forms use `default_region` (ISO 3166
    /// alpha-2). Numbers need only be plausible, not assigned: providers
    /// keep fictional and newly issued ranges that metadata lags behind.
    pub fn parse(input: &str, default_region: &str) -> Result<Self> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(DomainError::invalid("value", "a phone number is required"));
        }
        if trimmed
            .chars()
            .any(|c| !(c.is_ascii_digit() || " ()+-./".contains(c)))
        {
            return Err(DomainError::invalid(
                "value",
                "a phone number may contain only digits, spaces and ( ) + - . /",
            ));
        }
        let digits = trimmed.chars().filter(char::is_ascii_digit).count();
        if !(7..=15).contains(&digits) {
            return Err(DomainError::invalid(
                "value",
                format!("a phone number has 7 to 15 digits; this one has {digits}"),
            ));
        }
        let region = default_region
            .parse::<phonenumber::country::Id>()
            .map_err(|_| DomainError::invalid("region", "unknown region code"))?;
        let parsed = phonenumber::parse(Some(region), trimmed)
            .map_err(|e| DomainError::invalid("value", format!("not a phone number: {e}")))?;
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        let national_digits = e164.len().saturating_sub(1);
        if !(8..=15).contains(&national_digits) {
            return Err(DomainError::invalid(
                "value",
                "not a complete phone number for its country",
            ));
        }
        Ok(Self(e164))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, trimmed and lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(input: &str) -> Result<Self> {
        let v = input.trim().to_lowercase();
        let bad = |m: &str| Err(DomainError::invalid("value", m));
        if v.is_empty() {
            return bad("an e-mail address is required");
        }
        if v.len() > 254 {
            return bad("an e-mail address has at most 254 characters");
        }
        if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return bad("an e-mail address cannot contain spaces");
        }
        let Some((local, domain)) = v.split_once('@') else {
            return bad("an e-mail address needs an @");
        };
        if local.is_empty() || domain.contains('@') {
            return bad("an e-mail address has one @ with a name before it");
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|l| l.is_empty() || l.starts_with('-')) {
            return bad("the part after @ must be a domain such as example.com");
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An account number: 6 to 16 letters and digits, upper-cased; spaces and
/// hyphens people type are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountNumber(String);

impl AccountNumber {
    pub fn parse(input: &str) -> Result<Self> {
        let v: String = input
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .collect::<String>()
            .to_uppercase();
        if !(6..=16).contains(&v.len()) || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid(
                "number",
                "an account number has 6 to 16 letters and digits",
            ));
        }
        if !v.chars().any(|c| c.is_ascii_digit()) {
            return Err(DomainError::invalid(
                "number",
                "an account number contains digits",
            ));
        }
        Ok(Self(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A required, trimmed piece of text with a maximum length.
pub fn required_text(field: &str, input: &str, max: usize) -> Result<String> {
    let v = input.trim();
    if v.is_empty() {
        return Err(DomainError::invalid(field, "is required"));
    }
    check_chars(field, v)?;
    if v.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("has at most {max} characters"),
        ));
    }
    Ok(v.to_string())
}

/// Optional text: blank becomes `None`.
pub fn optional_text(field: &str, input: Option<&str>, max: usize) -> Result<Option<String>> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

/// Text holds no control characters but line breaks and tabs (NUL cannot
/// be stored in PostgreSQL, and the others are never typed by people).
pub fn check_chars(field: &str, v: &str) -> Result<()> {
    match v.chars().find(|c| is_forbidden_char(*c)) {
        None => Ok(()),
        Some(c) => Err(DomainError::invalid(
            field,
            format!("contains a control character (U+{:04X})", c as u32),
        )),
    }
}

/// Control characters other than tab, line feed and carriage return, and
/// the bidirectional overrides that make text read otherwise than it is
/// stored ("\u{202E}evil").
pub fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A calendar date in ISO form (`2026-11-22`).
pub fn parse_date(field: &str, input: &str) -> Result<jiff::civil::Date> {
    let d = input
        .trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| DomainError::invalid(field, "a date is written YYYY-MM-DD"))?;
    check_date(field, d)
}

/// Dates a provider deals in: from 1900 to 2199.
pub fn check_date(field: &str, d: jiff::civil::Date) -> Result<jiff::civil::Date> {
    if (1900..=2199).contains(&d.year()) {
        Ok(d)
    } else {
        Err(DomainError::invalid(
            field,
            "must be a date between 1900 and 2199",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_common_forms_become_the_same_e164() {
        for input in [
            "(555) 010-2030",
            "555.010.2030",
            "+1 555 010 2030",
            "5550102030",
        ] {
            assert_eq!(
                PhoneNumber::parse(input, "US").unwrap().as_str(),
                "+15550102030",
                "{input}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("+44 20 7946 0958", "US")
                .unwrap()
                .as_str(),
            "+442079460958"
        );
    }

    #[test]
    fn text_that_reads_otherwise_than_stored_is_refused() {
        assert!(check_chars("f", "\u{202E}evil").is_err());
        assert!(check_chars("f", "a\u{2066}b").is_err());
        assert!(check_chars("f", "bell\u{7}").is_err());
        assert!(check_chars("f", "tab\tand line\n are fine, so is Ålesund").is_ok());
    }

    #[test]
    fn malformed_phones_are_refused_with_a_reason() {
        for input in [
            "",
            "abc",
            "12",
            "555-01x0-2030",
            "+1 555 010 2030 9999 1234",
        ] {
            let err = PhoneNumber::parse(input, "US").unwrap_err();
            assert!(
                matches!(err, DomainError::Invalid { ref field, .. } if field == "value"),
                "{input}: {err:?}"
            );
        }
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Ana.Silva@Example.COM ").unwrap().as_str(),
            "ana.silva@example.com"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn account_numbers_ignore_spacing_and_case() {
        assert_eq!(
            AccountNumber::parse("em-0001 2345").unwrap().as_str(),
            "EM00012345"
        );
        for bad in ["", "EM1", "EM_000123", "ABCDEFGH", "12345678901234567"] {
            assert!(AccountNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_rules() {
        assert_eq!(required_text("name", "  Rosa ", 10).unwrap(), "Rosa");
        assert!(required_text("name", "   ", 10).is_err());
        assert!(required_text("name", "abcdefghijk", 10).is_err());
        assert_eq!(optional_text("x", Some(" "), 10).unwrap(), None);
        assert!(parse_date("d", "2026-02-30").is_err());
    }
}
