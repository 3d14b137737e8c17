//! Factor types and their assurance profiles (NIST SP 800-63B rev 4).

use crate::json::contract_enum;

contract_enum! {
    /// Every authenticator type the contract knows. Hosts map their own names onto these.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum FactorType {
        /// Roaming FIDO2 security key (hardware, device-bound).
        WebauthnRoaming = "webauthnRoaming",
        /// Platform authenticator bound to one device's secure hardware (TPM, Secure Enclave).
        WebauthnPlatform = "webauthnPlatform",
        /// Synced passkey: phishing-resistant but exportable, so AAL2 at most (rev 4 appendix B).
        PasskeySynced = "passkeySynced",
        /// PIV/CAC smart card (multi-factor cryptographic hardware).
        Piv = "piv",
        /// Time-based one-time password app.
        Totp = "totp",
        /// Counter-based one-time password device.
        Hotp = "hotp",
        /// Push approval to an enrolled app (with number matching; approve-only push is weaker).
        Push = "push",
        /// SMS one-time code: a restricted authenticator (PSTN).
        Sms = "sms",
        /// Voice-call one-time code: a restricted authenticator (PSTN).
        Voice = "voice",
        /// Email one-time code: never an out-of-band authenticator (rev 4).
        Email = "email",
        /// Saved recovery code (look-up secret).
        RecoveryCode = "recoveryCode",
        /// Memorized secret.
        Password = "password",
    }
}

/// What a factor type can prove, used to compute session AAL and to pick step-up factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Resists phishing by verifier-name or channel binding (WebAuthn, PIV).
    pub phishing_resistant: bool,
    /// Keys held in non-exportable hardware.
    pub hardware_bound: bool,
    /// Restricted authenticator (SMS/voice): allowed only where nothing better exists.
    pub restricted: bool,
    /// Multi-factor on its own (cryptographic authenticator with user verification).
    pub multi_factor: bool,
    /// Something the user has (counts as the second factor next to a password).
    pub possession: bool,
    /// Highest AAL this type can serve.
    pub max_aal: u8,
    /// Relative strength for ordering and downgrade detection (higher is stronger).
    pub rank: u8,
}

impl FactorType {
    /// All types, strongest first.
    pub const ALL: [FactorType; 12] = [
        FactorType::WebauthnRoaming,
        FactorType::Piv,
        FactorType::WebauthnPlatform,
        FactorType::PasskeySynced,
        FactorType::Push,
        FactorType::Totp,
        FactorType::Hotp,
        FactorType::RecoveryCode,
        FactorType::Sms,
        FactorType::Voice,
        FactorType::Email,
        FactorType::Password,
    ];

    /// The assurance profile of this factor type.
    pub const fn profile(self) -> Profile {
        use FactorType::*;
        let (pr, hw, restricted, mf, possession, max_aal, rank) = match self {
            WebauthnRoaming => (true, true, false, true, true, 3, 100),
            Piv => (true, true, false, true, true, 3, 100),
            WebauthnPlatform => (true, true, false, true, true, 3, 90),
            PasskeySynced => (true, false, false, true, true, 2, 80),
            Push => (false, false, false, false, true, 2, 50),
            Totp => (false, false, false, false, true, 2, 50),
            Hotp => (false, false, false, false, true, 2, 45),
            RecoveryCode => (false, false, false, false, true, 2, 30),
            Sms => (false, false, true, false, true, 2, 20),
            Voice => (false, false, true, false, true, 2, 20),
            Email => (false, false, false, false, false, 1, 10),
            Password => (false, false, false, false, false, 1, 0),
        };
        Profile {
            phishing_resistant: pr,
            hardware_bound: hw,
            restricted,
            multi_factor: mf,
            possession,
            max_aal,
            rank,
        }
    }

    /// RFC 8176 `amr` values a session gets from this method.
    pub const fn amr(self) -> &'static str {
        use FactorType::*;
        match self {
            WebauthnRoaming | WebauthnPlatform | Piv => "hwk",
            PasskeySynced => "swk",
            Totp | Hotp | RecoveryCode | Email => "otp",
            Push => "mca",
            Sms => "sms",
            Voice => "tel",
            Password => "pwd",
        }
    }

    /// `factorDowngrade`: is this type's assurance below `other`'s in any dimension (a lower
    /// max AAL, the loss of phishing resistance or hardware binding, or restricted where `other`
    /// is not)? Assurance, not rank: two types of equal assurance are never a downgrade (a
    /// platform authenticator replacing a security key: both phishing-resistant, hardware-bound
    /// AAL3).
    pub fn weaker_than(self, other: FactorType) -> bool {
        let (n, o) = (self.profile(), other.profile());
        n.max_aal < o.max_aal
            || (o.phishing_resistant && !n.phishing_resistant)
            || (o.hardware_bound && !n.hardware_bound)
            || (n.restricted && !o.restricted)
    }

    /// Can this type, used now (with a password where it is not multi-factor on its own),
    /// meet a requirement of `min_aal`, phishing resistance and hardware binding?
    pub fn can_meet(self, min_aal: u8, phishing_resistant: bool, hardware_bound: bool) -> bool {
        let p = self.profile();
        p.possession
            && p.max_aal >= min_aal
            && (!phishing_resistant || p.phishing_resistant)
            && (!hardware_bound || p.hardware_bound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nist_rev4_profiles() {
        // Synced passkeys serve AAL2 at most; only hardware-bound crypto serves AAL3.
        assert_eq!(FactorType::PasskeySynced.profile().max_aal, 2);
        for t in FactorType::ALL {
            let p = t.profile();
            assert_eq!(
                p.max_aal == 3,
                p.hardware_bound && p.phishing_resistant,
                "{t:?}"
            );
        }
        // Email is never an out-of-band factor: it cannot be the second factor.
        assert!(!FactorType::Email.can_meet(2, false, false));
        assert!(FactorType::Sms.profile().restricted && FactorType::Voice.profile().restricted);
        assert!(!FactorType::Totp.can_meet(2, true, false));
        assert!(FactorType::WebauthnRoaming.can_meet(3, true, true));
    }

    #[test]
    fn downgrade_is_by_assurance_not_rank() {
        use FactorType::*;
        assert!(!WebauthnPlatform.weaker_than(WebauthnRoaming));
        assert!(!Piv.weaker_than(WebauthnPlatform));
        assert!(!Hotp.weaker_than(Totp));
        assert!(PasskeySynced.weaker_than(WebauthnRoaming));
        assert!(Totp.weaker_than(PasskeySynced));
        assert!(Sms.weaker_than(Totp));
        assert!(!Voice.weaker_than(Sms));
        assert!(Email.weaker_than(Sms));
    }

    #[test]
    fn all_is_ordered_strongest_first() {
        let ranks: Vec<u8> = FactorType::ALL.iter().map(|t| t.profile().rank).collect();
        assert!(ranks.windows(2).all(|w| w[0] >= w[1]));
    }
}
