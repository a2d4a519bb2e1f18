"""The problem-type catalogue: one class per failure a client can meet.

Each class names its RFC 9457 type slug (``code``) and title once; its docstring's first line
is the default ``detail``. The base class decides the HTTP status (``medrecord.http``). Routes
list the classes they can raise (``medrecord.http.documented``), so OpenAPI names every problem
type per route, and a test holds that list to what the code can actually raise.
"""

from __future__ import annotations

from medrecord.errors import (
    AccessDenied,
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    RuleViolation,
    TooManyRequests,
    Unauthenticated,
)

# --- 401 -----------------------------------------------------------------------------------


class InvalidToken(Unauthenticated):
    """A bearer token is missing, invalid, expired or lacks a required claim."""

    code = "unauthenticated"
    title = "Authentication required"


# --- 403 -----------------------------------------------------------------------------------


class RoleNotAllowed(AccessDenied):
    """Your role may not do this."""

    code = "role-not-allowed"


class NotOwnData(AccessDenied):
    """Citizens may only see their own data."""

    code = "not-own-data"
    title = "Not your own data"


class ConsentRequired(AccessDenied):
    """Reading the whole card needs the citizen's consent (X-Access-Purpose: consent)."""

    code = "consent-required"


class NoTreatmentRelation(AccessDenied):
    """Your organisation has no active treatment relation with this citizen."""

    code = "no-treatment-relation"


class NotMarkingOrganisation(AccessDenied):
    """Only the organisation that marked the medication private may unmark it."""

    code = "not-marking-organisation"
    title = "Not the marking organisation"


class NotAPharmacy(AccessDenied):
    """Your organisation is not a registered pharmacy."""

    code = "not-a-pharmacy"


class NotOrderHolder(AccessDenied):
    """Only the pharmacy holding the order may cancel it."""

    code = "not-order-holder"
    title = "Not the order holder"


class NotDispensingPharmacy(AccessDenied):
    """Only the pharmacy that dispensed may undo it."""

    code = "not-dispensing-pharmacy"
    title = "Not the dispensing pharmacy"


class NotOwnOrganisation(AccessDenied):
    """You can declare a treatment relation only for your own organisation."""

    code = "not-own-organisation"
    title = "Not your organisation"


# --- 404 -----------------------------------------------------------------------------------


class CitizenNotFound(NotFound):
    """No citizen has this CPR number."""

    code = "citizen-not-found"


class MedicationNotFound(NotFound):
    """The citizen has no such medication."""

    code = "medication-not-found"


class PrescriptionNotFound(NotFound):
    """The citizen has no such prescription."""

    code = "prescription-not-found"


class OrderNotFound(NotFound):
    """The citizen has no such order."""

    code = "order-not-found"


class DispensingNotFound(NotFound):
    """The citizen has no such dispensing."""

    code = "dispensing-not-found"


class DrugNotFound(NotFound):
    """No drug in the catalogue has this id."""

    code = "drug-not-found"


class EmergencyAccessNotFound(NotFound):
    """No emergency access has this id."""

    code = "emergency-access-not-found"


# --- 409 -----------------------------------------------------------------------------------


class CitizenExists(Conflict):
    """A citizen with this CPR number is registered."""

    code = "citizen-exists"


class OrganisationExists(Conflict):
    """An organisation with this id is registered."""

    code = "organisation-exists"


class MedicationWithdrawn(Conflict):
    """The medication is withdrawn."""

    code = "medication-withdrawn"


class MedicationNotActive(Conflict):
    """Only an active medication can be changed this way."""

    code = "medication-not-active"


class MedicationNotPaused(Conflict):
    """Only a paused medication can be resumed."""

    code = "medication-not-paused"


class MedicationPaused(Conflict):
    """The medication is paused."""

    code = "medication-paused"


class MedicationEnded(Conflict):
    """The medication is past its end date: nothing more is prescribed or dispensed from it."""

    code = "medication-ended"


class AlreadyPrivate(Conflict):
    """The medication is already private."""

    code = "already-private"


class NotPrivate(Conflict):
    """The medication is not private."""

    code = "not-private"


class PrescriptionNotOpen(Conflict):
    """The prescription is not open."""

    code = "prescription-not-open"


class PrescriptionInvalid(Conflict):
    """The prescription was made invalid: its medication changed drug."""

    code = "prescription-invalid"


class PrescriptionCancelled(Conflict):
    """The prescription is cancelled."""

    code = "prescription-cancelled"


class PrescriptionExpired(Conflict):
    """The prescription has expired."""

    code = "prescription-expired"


class PrescriptionNotYetValid(Conflict):
    """The prescription is not valid yet."""

    code = "prescription-not-yet-valid"


class NothingRemaining(Conflict):
    """Nothing remains to dispense on this prescription."""

    code = "nothing-remaining"


class PrescriptionClaimed(Conflict):
    """Another pharmacy has claimed the prescription."""

    code = "prescription-claimed"


class OrderNotOpen(Conflict):
    """The order is no longer open."""

    code = "order-not-open"


class TooEarly(Conflict):
    """Too early: the iteration interval has not passed."""

    code = "too-early"


class ExceedsRemaining(Conflict):
    """More units than may go out now: what remains, or the rest of the iteration."""

    code = "exceeds-remaining"
    title = "Exceeds what remains"


class AlreadyUndone(Conflict):
    """The dispensing is already undone."""

    code = "already-undone"


class UndoWindowPassed(Conflict):
    """A dispensing can be undone only within 7 days."""

    code = "undo-window-passed"


class IdempotencyInDoubt(Conflict):
    """A request with this key is in doubt; send it again."""

    code = "retry"
    title = "Retry"


class AlreadyReviewed(Conflict):
    """This emergency access is already reviewed."""

    code = "already-reviewed"


# --- 412 / 428 -----------------------------------------------------------------------------


class VersionMismatch(PreconditionFailed):
    """The object has changed since you read it; read it again."""

    code = "version-mismatch"
    title = "Precondition failed"


class InvalidEtag(PreconditionFailed):
    """If-Match must be a strong ETag such as "3"."""

    code = "invalid-etag"
    title = "Invalid ETag"


class IfMatchRequired(PreconditionRequired):
    """Send If-Match with the object's current version (ETag)."""

    code = "precondition-required"
    title = "Precondition required"


# --- 400 -----------------------------------------------------------------------------------


class IdempotencyKeyRequired(BadRequest):
    """Send an Idempotency-Key header (a fresh UUID per dispensing)."""

    code = "idempotency-key-required"
    title = "Idempotency-Key required"


class InvalidIdempotencyKey(BadRequest):
    """Idempotency-Key must be 1 to 200 visible ASCII characters."""

    code = "invalid-idempotency-key"
    title = "Invalid Idempotency-Key"


# --- 422 -----------------------------------------------------------------------------------


class InvalidCpr(RuleViolation):
    """A CPR number has 10 digits, written DDMMYY-NNNN, DDMMYYNNNN or DDMMYY NNNN."""

    code = "invalid-cpr"
    title = "Invalid CPR number"


class InvalidAccessPurpose(RuleViolation):
    """X-Access-Purpose must be 'consent' or 'emergency'."""

    code = "invalid-access-purpose"


class EmergencyReasonRequired(RuleViolation):
    """Emergency access needs an X-Access-Reason of at least 20 characters."""

    code = "emergency-reason-required"


class UnknownDrug(RuleViolation):
    """No drug in the catalogue has this id."""

    code = "unknown-drug"


class UnknownPackage(RuleViolation):
    """No package in the catalogue has this number."""

    code = "unknown-package"


class UnknownGpPractice(RuleViolation):
    """No GP practice has this id."""

    code = "unknown-gp-practice"
    title = "Unknown GP practice"


class UnknownOrganisation(RuleViolation):
    """No organisation has this id."""

    code = "unknown-organisation"


class InvalidDosage(RuleViolation):
    """The dosage contradicts itself, its drug or its medication; see errors."""

    code = "invalid-dosage"


class InvalidPause(RuleViolation):
    """paused_to is before paused_from."""

    code = "invalid-pause"


class InvalidValidity(RuleViolation):
    """The validity window is not acceptable."""

    code = "invalid-validity"


class PackageNotOfDrug(RuleViolation):
    """The package is not a package of the medication's drug."""

    code = "package-not-of-drug"
    title = "Package not of the drug"


class SubstitutionNotAllowed(RuleViolation):
    """The prescriber did not allow substitution."""

    code = "substitution-not-allowed"


class NotInSubstitutionGroup(RuleViolation):
    """The package is not in the prescribed drug's substitution group."""

    code = "not-in-substitution-group"
    title = "Not in the substitution group"


class PackageUnitDiffers(RuleViolation):
    """The package is counted in another unit than the prescription (ml for tablets)."""

    code = "package-unit-differs"


class DuplicateDispensingLine(RuleViolation):
    """The same package is named on two lines of one dispensing."""

    code = "duplicate-dispensing-line"


class DispensedOnce(RuleViolation):
    """Dispensing group A§4: the prescription is dispensed once, whole (no iterations)."""

    code = "dispensed-once"
    title = "Dispensed once"


class IdempotencyKeyReused(RuleViolation):
    """This Idempotency-Key was already used for a different request."""

    code = "idempotency-key-reused"
    title = "Idempotency-Key reused"


class OrganisationRequired(RuleViolation):
    """Admins name the organisation (organisation_id)."""

    code = "organisation-required"


class ListedGpIsStanding(RuleViolation):
    """The GP relation follows the citizen's registered GP practice."""

    code = "listed-gp-is-standing"
    title = "The GP relation is standing"


class RelationTooLong(RuleViolation):
    """A treatment relation lasts at most a year; declare it again."""

    code = "relation-too-long"


class InvalidCursor(RuleViolation):
    """The cursor is not one this service gave out."""

    code = "invalid-cursor"


# --- 429 -----------------------------------------------------------------------------------


class RateLimitExceeded(TooManyRequests):
    """Too many failed attempts (authentications, unknown CPR numbers); see Retry-After."""

    code = "too-many-requests"
    title = "Too many requests"
