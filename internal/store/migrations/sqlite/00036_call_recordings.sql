-- A call's recording is a document of the case's customer that names the call (its seq on the
-- case it came with). Such a document is the desk's, not the customer's: it is never in the
-- customer's list of documents, and partner users hear it only on a case handed to their firm.

-- +goose Up
ALTER TABLE documents ADD COLUMN call_seq INTEGER;
-- One recording a call, whatever two uploads race.
CREATE UNIQUE INDEX documents_call_recording ON documents (case_id, call_seq) WHERE call_seq IS NOT NULL;

-- +goose Down
DROP INDEX documents_call_recording;
ALTER TABLE documents DROP COLUMN call_seq;
