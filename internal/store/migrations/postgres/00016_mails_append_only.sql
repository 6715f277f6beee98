-- A mail is kept exactly as it arrived: its bytes, their SHA-256 (which its record entry
-- quotes), its sender and when it came are never changed, and no mail is removed. Intake
-- links a stored mail to the case and entry it became once, after storing it (0 until then);
-- that link is the one change allowed, and only from 0. The triggers go by the columns an
-- UPDATE names, not by comparing values: a mail's bytes may be tens of megabytes, and linking
-- it must not read them twice.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION kept_refuse_mail_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'mails are kept as received: their bytes, hash, sender and arrival never change';
    END IF;
    RAISE EXCEPTION 'mails are kept as received: % refused', TG_OP;
END
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION kept_refuse_mail_relink() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a mail is linked to its case and entry once: UPDATE refused';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER mails_no_change BEFORE UPDATE OF id, raw, sha256, size, message_id, from_addr, received_at OR DELETE ON mails
    FOR EACH ROW EXECUTE FUNCTION kept_refuse_mail_change();
CREATE TRIGGER mails_no_truncate BEFORE TRUNCATE ON mails
    FOR EACH STATEMENT EXECUTE FUNCTION kept_refuse_mail_change();
CREATE TRIGGER mails_linked_once BEFORE UPDATE OF case_id, entry_id ON mails
    FOR EACH ROW WHEN ((OLD.case_id <> 0 AND NEW.case_id IS DISTINCT FROM OLD.case_id) OR (OLD.entry_id <> 0 AND NEW.entry_id IS DISTINCT FROM OLD.entry_id))
    EXECUTE FUNCTION kept_refuse_mail_relink();

-- +goose Down
DROP TRIGGER mails_linked_once ON mails;
DROP TRIGGER mails_no_truncate ON mails;
DROP TRIGGER mails_no_change ON mails;
DROP FUNCTION kept_refuse_mail_relink();
DROP FUNCTION kept_refuse_mail_change();
