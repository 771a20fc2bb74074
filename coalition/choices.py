"""Every coded choice of the domain, defined once: the stored code and its translatable label."""

from collections.abc import Iterator

from flask_babel import lazy_gettext as _l


class Choices:
    """An ordered set of (code, label) pairs; codes are stored, labels are shown."""

    def __init__(self, *pairs: tuple[str, object]) -> None:
        self.pairs = pairs
        self.codes = tuple(code for code, _ in pairs)

    def __iter__(self) -> Iterator[tuple[str, object]]:
        return iter(self.pairs)

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def label(self, code: str | None) -> str:
        """Return the label of a code in the current language ('' for none)."""
        return str(dict(self.pairs).get(code, code)) if code else ""

    def form(self) -> list[tuple[str, object]]:
        """Choices for a form select."""
        return list(self.pairs)


ROLES = Choices(
    ("admin", _l("Administrator")),
    ("leadership", _l("Leadership")),
    ("coordinator", _l("Office coordinator")),
    ("donor", _l("Donor")),
)

COUNTERPART_CATEGORIES = Choices(
    ("tr_government", _l("Turkish governmental and non-governmental institutions")),
    ("tr_ngo", _l("Turkish civil-society organisations")),
    ("tr_media", _l("Turkish journalists and activists")),
    ("sy_institution", _l("Syrian institutions")),
    ("sy_media", _l("Syrian journalists and activists")),
    ("intl", _l("Arab and international institutions")),
)

CONSULTATION_OUTCOMES = Choices(
    ("not_legally_possible", _l("What was requested is not legally possible")),
    ("directed_to_procedure", _l("Directed to an available procedure")),
    ("directed_to_legal_action", _l("Directed to legal action, including the courts")),
    ("out_of_scope", _l("Outside the protection project's scope")),
)

MEDIATIONS = Choices(
    ("none", _l("No mediation")),
    ("immigration", _l("Mediation with the immigration department")),
    ("other", _l("Other mediation")),
)

COURT_REFERRALS = Choices(
    ("none", _l("No court referral")),
    ("sponsored", _l("Sponsored by the project")),
    ("lawyer", _l("Referred to a lawyer or mediator")),
)

REFERRAL_RESULTS = Choices(
    ("positive", _l("Positive")),
    ("negative", _l("Negative")),
    ("follow_up", _l("Under follow-up")),
)

CASE_STATUSES = Choices(
    ("open", _l("Open")),
    ("follow_up", _l("Under follow-up")),
    ("closed", _l("Closed")),
)

PROBLEM_CATEGORIES = Choices(
    ("residence", _l("Residence permit and temporary protection (kimlik)")),
    ("deportation", _l("Deportation or detention risk")),
    ("address", _l("Address registration and travel permit")),
    ("work", _l("Work permit and labour")),
    ("family", _l("Family and civil status")),
    ("other", _l("Other")),
)

ORIGINS = Choices(
    ("syrian", _l("Syrian")),
    ("turkish", _l("Turkish")),
    ("arab", _l("Arab")),
    ("international", _l("International")),
)

SECTORS = Choices(
    ("government", _l("Government")),
    ("ngo", _l("Non-governmental")),
    ("civil_society", _l("Civil society")),
    ("media", _l("Media")),
    ("un", _l("UN or international agency")),
    ("academic", _l("Academic")),
    ("party", _l("Political party")),
    ("union", _l("Union or professional body")),
    ("private", _l("Private sector")),
)

PARTNERSHIP_STATUSES = Choices(
    ("none", _l("No partnership")),
    # met as a counterpart (added from a meeting or its import): not a partnership
    ("contact_only", _l("Contact only")),
    ("proposed", _l("Proposed")),
    ("active", _l("Active")),
    ("ended", _l("Ended")),
)

CONTACT_KINDS = Choices(
    ("person", _l("Person")),
    ("entity", _l("Entity")),
)

CONTACT_CATEGORIES = Choices(
    ("government", _l("Government")),
    ("civil_society", _l("Civil society")),
    ("media", _l("Media and journalists")),
    ("activist", _l("Activists")),
    ("international", _l("International")),
    ("academic", _l("Academic")),
    ("party", _l("Political party")),
    ("other", _l("Other")),
)

TRAINING_KINDS = Choices(
    ("workshop", _l("Workshop")),
    ("training", _l("Training")),
    ("course", _l("Course")),
)

VIDEO_KINDS = Choices(
    ("awareness_video", _l("Awareness video")),
    ("reel", _l("Reel")),
    ("interview", _l("Interview")),
    ("human_story", _l("Human story")),
    ("programme_episode", _l("Programme episode")),
)

PLATFORMS = Choices(
    ("youtube", "YouTube"),
    ("facebook", "Facebook"),
    ("instagram", "Instagram"),
    ("x", "X"),
    ("tiktok", "TikTok"),
    ("website", _l("Website")),
)

EVENT_KINDS = Choices(
    ("webinar", _l("Webinar")),
    ("conference", _l("Conference")),
    ("press_conference", _l("Press conference")),
    ("side_event", _l("Side event")),
    ("delegation_visit", _l("Delegation visit")),
    ("screening", _l("Screening")),
    ("workshop", _l("Public workshop")),
    ("summit", _l("Summit")),
    ("other", _l("Other")),
)

PUBLICATION_KINDS = Choices(
    ("report", _l("Report")),
    ("policy_paper", _l("Policy paper")),
    ("guide", _l("Guide")),
    ("study", _l("Study")),
)

ADVOCACY_STATUSES = Choices(
    ("raised", _l("Raised")),
    ("in_progress", _l("In progress")),
    ("resolved", _l("Resolved")),
    ("closed", _l("Closed without result")),
)

# --- monitoring and advocacy: figures, testimonies ---------------------------------------------
FIGURE_MEASURES = Choices(
    ("flow", _l("Flow: so many in the period")),
    ("stock", _l("Stock: so many as of a date")),
)

PLACE_KINDS = Choices(
    ("crossing", _l("Border crossing")),
    ("governorate", _l("Governorate")),
    ("city", _l("City")),
    ("country", _l("Country")),
)

SOURCE_KINDS = Choices(
    ("crossing_administration", _l("Crossing administration")),
    ("human_rights_organisation", _l("Human-rights organisation")),
    ("media", _l("Media")),
    ("own_monitoring", _l("Our own monitoring")),
    ("government", _l("Government")),
)

RELIABILITY = Choices(
    ("confirmed", _l("Confirmed")),
    ("probable", _l("Probable")),
    ("unverified", _l("Unverified")),
)

TESTIMONY_SUBJECTS = Choices(
    ("forced_deportation", _l("Forced deportation")),
    ("detention", _l("Detention")),
    ("disappearance", _l("Disappearance")),
    ("violence", _l("Violence")),
    ("other", _l("Other")),
)

#: the border crossings the deportation KPIs name, each figure's label
CROSSINGS = Choices(
    ("tel_abyad", _l("Deported through Tel Abyad")),
    ("bab_al_hawa", _l("Deported through Bab al-Hawa")),
    ("bab_al_salama", _l("Deported through Bab al-Salama")),
    ("jarablus", _l("Deported through Jarablus")),
)

# --- the Detainees Office ------------------------------------------------------------------
DETAINEE_STATUSES = Choices(
    ("detained", _l("Detained (held, place known)")),
    ("disappeared", _l("Forcibly disappeared (fate and whereabouts unknown)")),
    ("released", _l("Released")),
    ("died_in_custody", _l("Died in custody")),
    ("unknown", _l("Unknown")),
)

#: how a death in custody is known: "confirmed" only by remains
DEATH_KNOWLEDGE = Choices(
    ("civil_registry", _l("Reported by the civil registry")),
    ("remains", _l("Confirmed by remains")),
    ("unverified", _l("Unverified")),
)

DETAINING_PARTIES = Choices(
    ("government_forces", _l("Government forces")),
    ("isis", _l("ISIS")),
    ("sdf", _l("SDF")),
    ("hts", _l("HTS")),
    ("armed_opposition", _l("Armed opposition")),
    ("other", _l("Other party")),
    ("unknown", _l("Unknown party")),
)

SEXES = Choices(("male", _l("Male")), ("female", _l("Female")))

GOVERNORATES = Choices(
    ("damascus", _l("Damascus")),
    ("rif_dimashq", _l("Rif Dimashq")),
    ("aleppo", _l("Aleppo")),
    ("idlib", _l("Idlib")),
    ("homs", _l("Homs")),
    ("hama", _l("Hama")),
    ("latakia", _l("Latakia")),
    ("tartus", _l("Tartus")),
    ("deir_ez_zor", _l("Deir ez-Zor")),
    ("raqqa", _l("Raqqa")),
    ("hasakah", _l("Al-Hasakah")),
    ("daraa", _l("Daraa")),
    ("suwayda", _l("As-Suwayda")),
    ("quneitra", _l("Quneitra")),
)

CONFIDENTIALITY = Choices(
    ("office", _l("Detainees Office only")),
    ("coalition", _l("Coalition-internal (pseudonymous reference outside the office)")),
)

CONSENT_PURPOSES = Choices(
    ("documentation", _l("Documentation")),
    ("internal_sharing", _l("Sharing within the coalition")),
    ("external_sharing", _l("Sharing with an external body")),
    ("anonymised_publication", _l("Anonymised publication")),
    ("follow_up_contact", _l("Follow-up contact")),
)

SUPPORT_KINDS = Choices(
    ("material", _l("Material support")),
    ("individual_psych", _l("Individual psychological support")),
    ("group_session", _l("Group psychological support session")),
    ("legal_guidance", _l("Legal guidance")),
    ("referral", _l("Referral (e.g. ICRC tracing, DNA reference sample)")),
)

INFORMANT_RELATIONSHIPS = Choices(
    ("mother", _l("Mother")),
    ("father", _l("Father")),
    ("spouse", _l("Spouse")),
    ("sibling", _l("Brother or sister")),
    ("child", _l("Son or daughter")),
    ("relative", _l("Other relative")),
    ("witness", _l("Witness or former detainee")),
    ("other", _l("Other source")),
)

HOW_REACHED = Choices(
    ("in_person", _l("In person")),
    ("phone", _l("By phone")),
    ("online", _l("Online")),
    ("partner", _l("Through a partner organisation")),
)

INFORMANT_RELIABILITY = Choices(
    ("high", _l("High")),
    ("medium", _l("Medium")),
    ("low", _l("Low")),
)
