-- The quality review's rubric, defined by the admin (issue 18): criteria with a scale and
-- guidance, in the desk's words and translated (like a process step's), retired rather than
-- deleted. A review is scored against the rubric in force when it was drawn: review_scores
-- holds a copy of each criterion as it was then (name, guidance, scale, translations), so an
-- edit or a retirement later leaves an old review as it was. The fixed rubric before this
-- (clear, solved, tone on reviews) becomes the first three criteria, and the reviews drawn
-- under it keep their scores; those three columns are no longer written.

-- +goose Up
CREATE TABLE review_criteria (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    guidance     TEXT NOT NULL DEFAULT '',
    scale        INTEGER NOT NULL DEFAULT 5 CHECK (scale BETWEEN 2 AND 10), -- scored 1 to scale
    translations TEXT NOT NULL DEFAULT '{}', -- JSON {lang: {name, guidance}}
    position     INTEGER NOT NULL DEFAULT 0,
    created_at   TIMESTAMP NOT NULL,
    retired_at   TIMESTAMP
);
CREATE TABLE review_scores (
    review_id    INTEGER NOT NULL REFERENCES reviews (id),
    criterion_id INTEGER NOT NULL REFERENCES review_criteria (id),
    position     INTEGER NOT NULL,
    name         TEXT NOT NULL,
    guidance     TEXT NOT NULL,
    scale        INTEGER NOT NULL,
    translations TEXT NOT NULL,
    score        INTEGER NOT NULL DEFAULT 0, -- 1 to scale; 0: not scored yet
    PRIMARY KEY (review_id, criterion_id)
);
CREATE INDEX review_scores_criterion ON review_scores (criterion_id);

INSERT INTO review_criteria (id, name, guidance, scale, translations, position, created_at) VALUES
 (1, 'Promise words clear', 'The promise said what will happen and by when, in words the customer understands.', 5,
  '{"et":{"name":"Lubaduse sõnastus selge","guidance":"Lubadus ütles, mis juhtub ja millal, kliendile arusaadavate sõnadega."},"hr":{"name":"Jasne riječi obećanja","guidance":"Obećanje je reklo što će se dogoditi i do kada, riječima koje korisnik razumije."}}',
  1, CURRENT_TIMESTAMP),
 (2, 'Problem solved', 'The problem the customer asked about was solved, not another one.', 5,
  '{"et":{"name":"Probleem lahendatud","guidance":"Lahendati probleem, mille kohta klient küsis, mitte mõni muu."},"hr":{"name":"Problem riješen","guidance":"Riješen je problem o kojem je korisnik pitao, a ne neki drugi."}}',
  2, CURRENT_TIMESTAMP),
 (3, 'Tone', 'Courteous and plain, without blame.', 5,
  '{"et":{"name":"Toon","guidance":"Viisakas ja lihtne, süüdistamata."},"hr":{"name":"Ton","guidance":"Uljudno i jednostavno, bez okrivljavanja."}}',
  3, CURRENT_TIMESTAMP);
INSERT INTO review_scores (review_id, criterion_id, position, name, guidance, scale, translations, score)
SELECT r.id, k.id, k.position, k.name, k.guidance, k.scale, k.translations,
       CASE k.id WHEN 1 THEN r.clear WHEN 2 THEN r.solved ELSE r.tone END
FROM reviews r CROSS JOIN review_criteria k;

-- +goose Down
DROP INDEX review_scores_criterion;
DROP TABLE review_scores;
DROP TABLE review_criteria;
