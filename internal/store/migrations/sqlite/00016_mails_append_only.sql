-- A mail is kept exactly as it arrived: its bytes, their SHA-256 (which its record entry
-- quotes), its sender and when it came are never changed, and no mail is removed. Intake
-- links a stored mail to the case and entry it became once, after storing it (0 until then);
-- that link is the one change allowed, and only from 0. The triggers go by the columns an
-- UPDATE names, not by comparing values: a mail's bytes may be tens of megabytes, and linking
-- it must not read them twice.

-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER mails_no_delete BEFORE DELETE ON mails
BEGIN
    SELECT RAISE(ABORT, 'mails are kept as received: DELETE refused');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER mails_no_change BEFORE UPDATE OF id, raw, sha256, size, message_id, from_addr, received_at ON mails
BEGIN
    SELECT RAISE(ABORT, 'mails are kept as received: their bytes, hash, sender and arrival never change');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER mails_linked_once BEFORE UPDATE OF case_id, entry_id ON mails
WHEN (OLD.case_id <> 0 AND NEW.case_id IS NOT OLD.case_id) OR (OLD.entry_id <> 0 AND NEW.entry_id IS NOT OLD.entry_id)
BEGIN
    SELECT RAISE(ABORT, 'a mail is linked to its case and entry once: UPDATE refused');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER mails_linked_once;
DROP TRIGGER mails_no_change;
DROP TRIGGER mails_no_delete;
