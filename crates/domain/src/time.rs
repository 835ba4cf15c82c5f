//! Timestamps are stored as microseconds since the Unix epoch on both
//! databases, so nothing depends on a driver's date types or precision.

use jiff::Timestamp;

pub fn now() -> Timestamp {
    micros_to_ts(ts_to_micros(Timestamp::now()))
}

pub fn ts_to_micros(ts: Timestamp) -> i64 {
    ts.as_microsecond()
}

pub fn micros_to_ts(us: i64) -> Timestamp {
    Timestamp::from_microsecond(us).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Where "now" comes from, so rules that depend on the time of day (opening
/// hours) can be played at 04:45 in a test.
pub type Clock = std::sync::Arc<dyn Fn() -> Timestamp + Send + Sync>;

pub fn system_clock() -> Clock {
    std::sync::Arc::new(now)
}
