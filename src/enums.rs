//! The shared vocabulary of the contract: the enumerations that requests, policies, decisions,
//! alerts and memory all speak. Each is declared once, with its wire names, by
//! [`contract_enum!`]; `docs/contract.md#request` lists their values.

use crate::json::contract_enum;

contract_enum! {
    /// Kinds of account, each with its own rules in the policy.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    pub enum UserKind {
        /// Workforce member (the default when a host does not say).
        #[default]
        Employee = "employee",
        /// External worker with workforce access.
        Contractor = "contractor",
        /// Business partner user.
        Partner = "partner",
        /// Consumer (CIAM) user.
        Customer = "customer",
        /// Non-human account.
        Service = "service",
        /// Emergency access account.
        BreakGlass = "breakGlass",
    }
}

contract_enum! {
    /// Who makes a change.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    pub enum ActorKind {
        /// The user themself.
        #[default]
        SelfService = "self",
        /// An administrator.
        Admin = "admin",
        /// The help desk.
        Helpdesk = "helpdesk",
        /// A managed service provider.
        Msp = "msp",
        /// An automated process (an API client, a provisioning job).
        Automation = "automation",
    }
}

contract_enum! {
    /// Application sensitivity tiers.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Sensitivity {
        /// Public or low-value data.
        Low = "low",
        /// Ordinary business application.
        Medium = "medium",
        /// Sensitive data (payroll, HR, finance).
        High = "high",
        /// Control planes, admin consoles, production access.
        Critical = "critical",
    }
}

contract_enum! {
    /// Risk levels, shared by host risk, scores and policy thresholds.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum Level {
        /// Nothing notable.
        Low = "low",
        /// Worth a second look.
        Medium = "medium",
        /// Likely an attack.
        High = "high",
        /// Act now.
        Critical = "critical",
    }
}
