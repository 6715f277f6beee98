-- A team's calendar (its time zone, business hours and holidays: what its targets count), its
-- resolution target, and the desk addresses whose mail goes to it.

-- +goose Up
ALTER TABLE teams ADD COLUMN timezone TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN business_hours TEXT NOT NULL DEFAULT '';
ALTER TABLE teams ADD COLUMN holidays TEXT NOT NULL DEFAULT '[]';
ALTER TABLE teams ADD COLUMN resolution_target_s BIGINT NOT NULL DEFAULT 0;
ALTER TABLE teams ADD COLUMN addresses TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE teams DROP COLUMN addresses;
ALTER TABLE teams DROP COLUMN resolution_target_s;
ALTER TABLE teams DROP COLUMN holidays;
ALTER TABLE teams DROP COLUMN business_hours;
ALTER TABLE teams DROP COLUMN timezone;
