//! The risk score: the sum of the reasons' points, clamped to 0..=100, and its level from the
//! policy's thresholds. Additive on purpose: every point in the score is a line in the explanation.

use crate::decision::{Reason, Risk};
use crate::enums::Level;
use crate::policy::Levels;

/// Scores a list of reasons.
pub(crate) fn score(reasons: &[Reason], levels: &Levels) -> Risk {
    let total: i32 = reasons.iter().map(|r| r.points).sum();
    let score = u8::try_from(total.clamp(0, 100)).unwrap_or(100);
    Risk {
        score,
        level: level_for(score, levels),
    }
}

/// Scores what happened around a factor change: the reasons without those that say what the
/// change itself does ([`crate::decision::ReasonCode::is_change`]).
pub(crate) fn score_around_change(reasons: &[Reason], levels: &Levels) -> Risk {
    let around: Vec<Reason> = reasons
        .iter()
        .filter(|r| !r.code.is_change())
        .cloned()
        .collect();
    score(&around, levels)
}

/// The level a score falls in.
pub(crate) fn level_for(score: u8, levels: &Levels) -> Level {
    if score >= levels.critical {
        Level::Critical
    } else if score >= levels.high {
        Level::High
    } else if score >= levels.medium {
        Level::Medium
    } else {
        Level::Low
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision::ReasonCode;

    fn r(points: i32) -> Reason {
        Reason {
            code: ReasonCode::NewDevice,
            points,
            detail: String::new(),
        }
    }

    #[test]
    fn clamps_and_levels() {
        let levels = Levels::default();
        assert_eq!(score(&[r(-40)], &levels).score, 0);
        assert_eq!(score(&[r(80), r(80)], &levels).score, 100);
        assert_eq!(score(&[r(19)], &levels).level, Level::Low);
        assert_eq!(score(&[r(20)], &levels).level, Level::Medium);
        assert_eq!(score(&[r(45)], &levels).level, Level::High);
        assert_eq!(score(&[r(75)], &levels).level, Level::Critical);
    }
}
