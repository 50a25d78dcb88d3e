-- Schema 19: two of the parcels' indexes made to cost what they serve.
-- The index by tracking number goes: every parcel's number is already in
-- the identifier index (its `tracking` occurrence, written in the same
-- transaction as the parcel), and the four lookups by number go there
-- (`refs::parcels_tracked`). The index by seizure date keeps only the
-- parcels that have one (most parcels are screened or released, not
-- seized): every query of it compares the date, or says IS NOT NULL.
DROP INDEX parcels_tracking;
DROP INDEX parcels_seized_on;
CREATE INDEX parcels_seized_on ON parcels (seized_on) WHERE seized_on IS NOT NULL;
