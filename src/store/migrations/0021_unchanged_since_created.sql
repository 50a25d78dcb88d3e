-- Schema 21: a record that has had no change since its creation (most
-- of them: links, findings, custody, lab results are written once) keeps
-- its last change's time and author as an empty text (no bytes) instead
-- of a copy of its creation's (6 bytes, and the author's name). Readers
-- give the creation's back where they are empty (`records::read_column`;
-- no record of any schema has an empty one, and a record received with
-- one is refused), and a write stores them so where they are the same.
UPDATE cases SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE parcels SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE substances SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE findings SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE links SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE notes SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE people SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE organisations SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE inspections SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE exhibits SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE custody SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE lab_results SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE deliveries SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
UPDATE documents SET
    updated_at = CASE WHEN updated_at IS created_at THEN '' ELSE updated_at END,
    updated_by = CASE WHEN updated_by IS created_by THEN '' ELSE updated_by END
    WHERE updated_at IS created_at OR updated_by IS created_by;
