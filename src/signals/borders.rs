//! Land borders between countries (ISO 3166-1 alpha-2), for the impossible-travel rule: a short
//! jump between bordering countries, up to the policy's `borderToleranceKm`, is not flagged (a
//! commuter, or a mobile network egressing across a border, is not an attack); a longer one is
//! judged like any other (docs/contract.md#rules, "Travel").
//!
//! Built from public facts: the land boundaries listed country by country in the CIA World
//! Factbook ("Geography: land boundaries"), with territories that geolocation databases report
//! under their own codes kept separate (French Guiana `GF`, Gibraltar `GI`, Hong Kong `HK`,
//! Macao `MO`, Western Sahara `EH`, Palestine `PS`, Greenland `GL`, Saint Martin `MF`/`SX`) and
//! Kosovo under the code geolocation databases use for it (`XK`). Sea crossings (tunnels,
//! bridges, ferries) are not land borders. Each pair is listed once, lower code first, sorted, so
//! a lookup is a binary search over 4-byte keys (about 1.3 KB in the module).

/// Every bordering pair as `AABB` with `AA < BB`, sorted.
#[rustfmt::skip]
pub(crate) const BORDERS: &[[u8; 4]] = &[
    *b"ADES", *b"ADFR", *b"AEOM", *b"AESA", *b"AFCN", *b"AFIR", *b"AFPK", *b"AFTJ", *b"AFTM", *b"AFUZ",
    *b"ALGR", *b"ALME", *b"ALMK", *b"ALXK", *b"AMAZ", *b"AMGE", *b"AMIR", *b"AMTR", *b"AOCD", *b"AOCG",
    *b"AONA", *b"AOZM", *b"ARBO", *b"ARBR", *b"ARCL", *b"ARPY", *b"ARUY", *b"ATCH", *b"ATCZ", *b"ATDE",
    *b"ATHU", *b"ATIT", *b"ATLI", *b"ATSI", *b"ATSK", *b"AZGE", *b"AZIR", *b"AZRU", *b"AZTR", *b"BAHR",
    *b"BAME", *b"BARS", *b"BDIN", *b"BDMM", *b"BEDE", *b"BEFR", *b"BELU", *b"BENL", *b"BFBJ", *b"BFCI",
    *b"BFGH", *b"BFML", *b"BFNE", *b"BFTG", *b"BGGR", *b"BGMK", *b"BGRO", *b"BGRS", *b"BGTR", *b"BICD",
    *b"BIRW", *b"BITZ", *b"BJNE", *b"BJNG", *b"BJTG", *b"BNMY", *b"BOBR", *b"BOCL", *b"BOPE", *b"BOPY",
    *b"BRCO", *b"BRGF", *b"BRGY", *b"BRPE", *b"BRPY", *b"BRSR", *b"BRUY", *b"BRVE", *b"BTCN", *b"BTIN",
    *b"BWNA", *b"BWZA", *b"BWZM", *b"BWZW", *b"BYLT", *b"BYLV", *b"BYPL", *b"BYRU", *b"BYUA", *b"BZGT",
    *b"BZMX", *b"CAGL", *b"CAUS", *b"CDCF", *b"CDCG", *b"CDRW", *b"CDSS", *b"CDTZ", *b"CDUG", *b"CDZM",
    *b"CFCG", *b"CFCM", *b"CFSD", *b"CFSS", *b"CFTD", *b"CGCM", *b"CGGA", *b"CHDE", *b"CHFR", *b"CHIT",
    *b"CHLI", *b"CIGH", *b"CIGN", *b"CILR", *b"CIML", *b"CLPE", *b"CMGA", *b"CMGQ", *b"CMNG", *b"CMTD",
    *b"CNHK", *b"CNIN", *b"CNKG", *b"CNKP", *b"CNKZ", *b"CNLA", *b"CNMM", *b"CNMN", *b"CNMO", *b"CNNP",
    *b"CNPK", *b"CNRU", *b"CNTJ", *b"CNVN", *b"COEC", *b"COPA", *b"COPE", *b"COVE", *b"CRNI", *b"CRPA",
    *b"CZDE", *b"CZPL", *b"CZSK", *b"DEDK", *b"DEFR", *b"DELU", *b"DENL", *b"DEPL", *b"DJER", *b"DJET",
    *b"DJSO", *b"DOHT", *b"DZEH", *b"DZLY", *b"DZMA", *b"DZML", *b"DZMR", *b"DZNE", *b"DZTN", *b"ECPE",
    *b"EELV", *b"EERU", *b"EGIL", *b"EGLY", *b"EGPS", *b"EGSD", *b"EHMA", *b"EHMR", *b"ERET", *b"ERSD",
    *b"ESFR", *b"ESGI", *b"ESMA", *b"ESPT", *b"ETKE", *b"ETSD", *b"ETSO", *b"ETSS", *b"FINO", *b"FIRU",
    *b"FISE", *b"FRIT", *b"FRLU", *b"FRMC", *b"GAGQ", *b"GBIE", *b"GERU", *b"GETR", *b"GFSR", *b"GHTG",
    *b"GMSN", *b"GNGW", *b"GNLR", *b"GNML", *b"GNSL", *b"GNSN", *b"GRMK", *b"GRTR", *b"GTHN", *b"GTMX",
    *b"GTSV", *b"GWSN", *b"GYSR", *b"GYVE", *b"HNNI", *b"HNSV", *b"HRHU", *b"HRME", *b"HRRS", *b"HRSI",
    *b"HURO", *b"HURS", *b"HUSI", *b"HUSK", *b"HUUA", *b"IDMY", *b"IDPG", *b"IDTL", *b"ILJO", *b"ILLB",
    *b"ILPS", *b"ILSY", *b"INMM", *b"INNP", *b"INPK", *b"IQIR", *b"IQJO", *b"IQKW", *b"IQSA", *b"IQSY",
    *b"IQTR", *b"IRPK", *b"IRTM", *b"IRTR", *b"ITSI", *b"ITSM", *b"ITVA", *b"JOPS", *b"JOSA", *b"JOSY",
    *b"KESO", *b"KESS", *b"KETZ", *b"KEUG", *b"KGKZ", *b"KGTJ", *b"KGUZ", *b"KHLA", *b"KHTH", *b"KHVN",
    *b"KPKR", *b"KPRU", *b"KWSA", *b"KZRU", *b"KZTM", *b"KZUZ", *b"LAMM", *b"LATH", *b"LAVN", *b"LBSY",
    *b"LRSL", *b"LSZA", *b"LTLV", *b"LTPL", *b"LTRU", *b"LVRU", *b"LYNE", *b"LYSD", *b"LYTD", *b"LYTN",
    *b"MDRO", *b"MDUA", *b"MERS", *b"MEXK", *b"MFSX", *b"MKRS", *b"MKXK", *b"MLMR", *b"MLNE", *b"MLSN",
    *b"MMTH", *b"MNRU", *b"MRSN", *b"MWMZ", *b"MWTZ", *b"MWZM", *b"MXUS", *b"MYTH", *b"MZSZ", *b"MZTZ",
    *b"MZZA", *b"MZZM", *b"MZZW", *b"NAZA", *b"NAZM", *b"NENG", *b"NETD", *b"NGTD", *b"NORU", *b"NOSE",
    *b"OMSA", *b"OMYE", *b"PLRU", *b"PLSK", *b"PLUA", *b"QASA", *b"RORS", *b"ROUA", *b"RSXK", *b"RUUA",
    *b"RWTZ", *b"RWUG", *b"SAYE", *b"SDSS", *b"SDTD", *b"SKUA", *b"SSUG", *b"SYTR", *b"SZZA", *b"TJUZ",
    *b"TMUZ", *b"TZUG", *b"TZZM", *b"ZAZW", *b"ZMZW",
];

/// Do two countries share a land border? Codes are ISO 3166-1 alpha-2, uppercase.
pub(crate) fn bordering(a: [u8; 2], b: [u8; 2]) -> bool {
    let [a0, a1] = a;
    let [b0, b1] = b;
    let key = if a <= b {
        [a0, a1, b0, b1]
    } else {
        [b0, b1, a0, a1]
    };
    BORDERS.binary_search(&key).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> [u8; 2] {
        let b = s.as_bytes();
        [b[0], b[1]]
    }

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for pair in BORDERS.windows(2) {
            assert!(pair[0] < pair[1], "{:?} then {:?}", pair[0], pair[1]);
        }
        for key in BORDERS {
            assert!(key.iter().all(u8::is_ascii_uppercase), "{key:?}");
            assert!(key[..2] < key[2..], "{key:?} is not lower code first");
        }
        assert!(
            (300..400).contains(&BORDERS.len()),
            "{} pairs",
            BORDERS.len()
        );
    }

    #[test]
    fn known_borders_either_way_round() {
        for (a, b) in [
            ("FR", "BE"),
            ("PT", "ES"),
            ("US", "CA"),
            ("US", "MX"),
            ("NO", "SE"),
            ("NO", "RU"),
            ("DE", "PL"),
            ("IE", "GB"),
            ("CN", "RU"),
            ("IN", "PK"),
            ("BR", "GF"),
            ("ES", "GI"),
            ("ZA", "LS"),
            ("IL", "PS"),
            ("RS", "XK"),
            ("AT", "LI"),
            ("VA", "IT"),
            ("KP", "KR"),
        ] {
            assert!(bordering(c(a), c(b)), "{a}-{b}");
            assert!(bordering(c(b), c(a)), "{b}-{a}");
        }
    }

    #[test]
    fn sea_crossings_and_distant_pairs_are_not_borders() {
        for (a, b) in [
            ("GB", "FR"),
            ("DK", "SE"),
            ("US", "RU"),
            ("NO", "AU"),
            ("JP", "KR"),
            ("IT", "MT"),
            ("ES", "IT"),
            ("AU", "NZ"),
            ("FR", "GF"),
            ("NO", "NO"),
        ] {
            assert!(!bordering(c(a), c(b)), "{a}-{b}");
        }
    }
}
