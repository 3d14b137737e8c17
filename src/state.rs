//! Memory between calls (SPEC §5). Placeholder wiring: the signed state arrives with the
//! memory issue; until then decisions carry no state and the request's state is ignored.

use crate::api::Engine;
use crate::decision::Decision;
use crate::request::Request;

/// Version of the state format.
pub const STATE_VERSION: u32 = 1;

/// Attaches the next state to a decision.
pub fn attach(_engine: &Engine, _req: &Request, decision: Decision) -> Decision {
    decision
}
